"""The app's own stylesheet (no element loads anything from outside the page)."""

CSS = """
<style>
.ra-answer { margin-bottom: .4rem; font-size: 1.02rem; line-height: 1.65; }
.ra-question { white-space: normal; line-height: 1.55; }
a.ra-cite, span.ra-cite {
  display: inline-block; min-width: 1.45em; padding: 0 .38em; margin: 0 .12em;
  border: 1px solid #b9d3e6; border-radius: .7em; background: #e6f0f7; color: #17507a;
  font-size: .74em; font-weight: 700; line-height: 1.55; text-align: center;
  text-decoration: none; vertical-align: .18em;
}
a.ra-cite:hover, a.ra-cite:focus-visible { background: #17507a; border-color: #17507a; color: #ffffff; }
a.ra-cite:focus-visible { outline: 2px solid #17507a; outline-offset: 2px; }
span.ra-rank { background: #eef0f2; border-color: #d5d9de; color: #46525e; }
.ra-sources-title {
  margin-bottom: .15rem; color: #4f5d6b; font-size: .78rem; font-weight: 700;
  letter-spacing: .06em; text-transform: uppercase;
}
.ra-src { display: flex; gap: .5rem; align-items: baseline; padding: .2rem .35rem; border-radius: .4rem;
  scroll-margin-top: 6rem; }
.ra-src > .ra-cite { flex: none; }
.ra-src:target { background: #fff5cc; }
.ra-src-body { flex: 1; min-width: 0; }
.ra-src-title { display: block; font-weight: 600; line-height: 1.4; }
.ra-src-meta { display: block; color: #56636f; font-size: .86rem; line-height: 1.4; }
.ra-snippet { display: block; margin-top: .15rem; color: #56636f; font-size: .88rem; line-height: 1.45; }
.ra-doc-title { font-size: 1.15rem; font-weight: 700; line-height: 1.35; }
.ra-where { margin: .35rem 0 .6rem 0; color: #3d4a56; font-size: .92rem; }
.ra-context { max-height: 62vh; overflow-y: auto; margin-bottom: .6rem; padding-right: .4rem;
  font-size: .96rem; line-height: 1.62; }
.ra-before, .ra-after { color: #6a7682; }
.ra-passage { margin: .55rem 0; padding: .55rem .8rem; border-left: 4px solid #17507a;
  border-radius: 0 .4rem .4rem 0; background: #f3f7fa; }
mark.ra-quote { padding: 0 .12em; border-radius: .2em; background: #ffe58f; color: inherit; }
mark.ra-pii { padding: 0 .12em; border-radius: .2em; background: #ffd4d4; color: inherit;
  text-decoration: underline wavy #b42318; }
.ra-para { display: block; height: .55em; }
.ra-label { margin-top: .35rem; color: #4f5d6b; font-size: .85rem; font-weight: 600; }
/* removed LLM sentences */
.ra-removed { margin: .15rem 0; font-size: .88rem; line-height: 1.45; }
.ra-removed-why { display: inline-block; margin-right: .4rem; color: #8a2a1b; font-weight: 600; }
.ra-removed-text { color: #56636f; text-decoration: line-through; text-decoration-color: #b9a0a0; }
/* library */
.ra-lib-meta { display: block; margin: 0 0 .7rem 0; color: #56636f; font-size: .86rem; line-height: 1.4; }
[class*="st-key-lib-item-"] button { min-height: 0; padding: .1rem 0; justify-content: flex-start; text-align: left; }
[class*="st-key-lib-item-"] button p { color: #17507a; font-size: 1rem; font-weight: 600; }
[class*="st-key-lib-item-"] button:hover p, [class*="st-key-lib-item-"] button:focus-visible p { text-decoration: underline; }
.ra-page-title { margin: .2rem 0 .1rem 0; font-size: 1.75rem; font-weight: 700; line-height: 1.25; }
.ra-badge { display: inline-block; padding: 0 .45em; margin-left: .3em; border-radius: .6em;
  background: #fdecc8; color: #6b4a00; font-size: .78rem; font-weight: 600; }
.ra-toc ol { margin: 0; padding-left: 0; list-style: none; }
.ra-toc li.ra-depth-2 { margin-left: 1rem; }
.ra-toc li.ra-depth-3 { margin-left: 2rem; }
.ra-toc li { margin: .1rem 0; line-height: 1.45; }
.ra-toc a { color: #17507a; text-decoration: none; }
.ra-toc a:hover, .ra-toc a:focus-visible { text-decoration: underline; }
.ra-toc .ra-toc-page { color: #6a7682; font-size: .84rem; }
.ra-doc { font-size: .98rem; line-height: 1.62; }
.ra-sec { margin: 0 0 1rem 0; padding: .1rem .6rem; border-left: 4px solid transparent; scroll-margin-top: 5rem; }
.ra-sec:target, .ra-sec.ra-target { border-left-color: #17507a; background: #f3f7fa; }
.ra-sec-title { margin: .6rem 0 .15rem 0; font-weight: 700; line-height: 1.35; }
.ra-sec-title.ra-depth-1 { font-size: 1.15rem; }
.ra-sec-title.ra-depth-2 { font-size: 1.02rem; }
.ra-sec-title.ra-depth-3 { font-size: .96rem; color: #3d4a56; }
.ra-page { display: inline-block; margin: .2rem 0; color: #6a7682; font-size: .8rem; font-weight: 600;
  letter-spacing: .04em; }
.ra-linked { margin: .3rem 0 .8rem 0; padding: .55rem .8rem; border-left: 4px solid #17507a;
  border-radius: 0 .4rem .4rem 0; background: #f3f7fa; font-size: .96rem; line-height: 1.6; }
</style>
"""
