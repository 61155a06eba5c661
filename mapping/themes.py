"""How each theme looks on maps and lists: one colour and one symbol per theme.

Colours come from the Okabe–Ito palette (distinguishable with the common colour-vision
deficiencies) plus a purple; no red, so nothing reads as danger. Every colour is paired with a
symbol, so colour is never the only cue; ``text`` is the colour of a symbol drawn on it
(contrast ≥ 4.5:1).
"""

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class ThemeStyle:
    colour: str
    text: str
    symbol: str


THEME_STYLES: dict[str, ThemeStyle] = {
    "housing": ThemeStyle("#0072B2", "#ffffff", "⌂"),
    "health": ThemeStyle("#007A5E", "#ffffff", "✚"),
    "legal": ThemeStyle("#E69F00", "#1d1d1d", "§"),
    "education": ThemeStyle("#56B4E9", "#1d1d1d", "✎"),
    "employment": ThemeStyle("#A8437E", "#ffffff", "⚒"),
    "gender": ThemeStyle("#5B3A8E", "#ffffff", "⚥"),
}
OTHER = ThemeStyle("#4d5b63", "#ffffff", "•")


def theme_styles() -> dict[str, dict[str, str]]:
    """Styles as plain dicts, for ``json_script``."""
    return {code: asdict(style) for code, style in THEME_STYLES.items()} | {"other": asdict(OTHER)}
