"""The data attribution block, read from the README shipped with the data (one source of truth)."""

from functools import cache

import markdown
from django.utils.safestring import SafeString, mark_safe

from geodata.sources import DATA_ROOT

ATTRIBUTION_HEADING = "## Attribution block"


@cache
def data_attribution_html(city: str = "athens") -> SafeString:
    """HTML of the README's "Attribution block" section for ``city`` (trusted, shipped text)."""
    readme = (DATA_ROOT / city / "README.md").read_text(encoding="utf-8")
    start = readme.index(ATTRIBUTION_HEADING)
    body = readme[start:].split("\n", 1)[1]  # drop the heading line
    body = body.split("\n## ", 1)[0]  # up to the next section
    return mark_safe(markdown.markdown(body))
