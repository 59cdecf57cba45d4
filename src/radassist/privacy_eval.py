"""Kept so that ``python -m radassist.privacy_eval`` keeps working; the evaluator lives in
``radassist.privacy.evaluate``."""

from radassist.privacy.evaluate import *  # noqa: F401,F403
from radassist.privacy.evaluate import evaluate, main

if __name__ == "__main__":
    raise SystemExit(main())
