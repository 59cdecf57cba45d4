"""Entry point of the web app: `streamlit run app.py` (all logic lives in radassist.ui)."""

from radassist.ui import main

main()
