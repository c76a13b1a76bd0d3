"""The appendix as one self-contained HTML file: a jinja2 template with autoescaping on, inline CSS and
the heatmap embedded, so transcript text with markup (`<script>`, `&`, `{{ }}`) shows as text."""

from __future__ import annotations

import base64
from pathlib import Path

from qualcode.report.appendix import LABEL_HEADER, Appendix


def html_text(appendix: Appendix) -> str:
    """The HTML of the appendix."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("qualcode.report", "templates"),
                      autoescape=select_autoescape(["html", "j2"], default=True), keep_trailing_newline=True)
    frame = appendix.summary
    columns = [str(c) for c in frame.columns if c not in ("code", "level")]
    rows = [{**{str(k): v for k, v in row.items()}} for row in frame.to_dict(orient="records")]
    image = base64.b64encode(appendix.heatmap_png).decode("ascii") if appendix.heatmap_png else ""
    annex = ""
    if appendix.annex is not None:
        from markupsafe import Markup

        from qualcode.report.codebook_annex import annex_html

        annex = Markup(annex_html(appendix.annex, level=2))  # escaped there, field by field
    locale = appendix.settings.locale
    return env.get_template("appendix.html.j2").render(a=appendix, columns=columns, rows=rows, image=image,
                                                       annex=annex, header=LABEL_HEADER, lang=locale,
                                                       own=locale.split("-")[0].casefold())


def write_html(appendix: Appendix, path: Path) -> None:
    """Write the HTML appendix to ``path`` (UTF-8). Raises OSError when it cannot be written."""
    path.write_text(html_text(appendix), encoding="utf-8", newline="\n")
