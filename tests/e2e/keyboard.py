"""Driving a page with the keyboard alone, as a user without a mouse would."""

from __future__ import annotations

from typing import Any

MAX_TABS = 200

_FOCUSED = """() => {
  const e = document.activeElement;
  return e ? {tag: e.tagName, name: e.name || "", type: e.type || "", value: e.value || "",
              text: (e.textContent || "").trim().slice(0, 60)} : null;
}"""


def focused(page: Any) -> dict[str, str]:
    return page.evaluate(_FOCUSED)


def tab_to(page: Any, selector: str, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until the focused element matches `selector`."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(MAX_TABS):
        page.keyboard.press(key)
        if page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} cannot be reached with the Tab key (last focus: {focused(page)})")


def type_into(page: Any, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def choose_radio(page: Any, name: str, value: str) -> None:
    """Tab into a radio group, then arrow keys (or Space on the first one) to check `value`."""
    tab_to(page, f'input[type="radio"][name="{name}"]')
    for _ in range(20):
        now = focused(page)
        if now["value"] == value:
            page.keyboard.press("Space")
            break
        page.keyboard.press("ArrowDown")
    assert page.is_checked(f'input[name="{name}"][value="{value}"]'), f"radio {name}={value} not checked"


def tick(page: Any, name: str, value: str) -> None:
    tab_to(page, f'input[type="checkbox"][name="{name}"][value="{value}"]')
    page.keyboard.press("Space")
    assert page.is_checked(f'input[name="{name}"][value="{value}"]')


def select_option(page: Any, name: str, value: str) -> None:
    """Tab to a closed drop-down list and move through its options with the arrow keys."""
    tab_to(page, f'select[name="{name}"]')
    for _ in range(60):
        if focused(page)["value"] == value:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"option {value!r} of {name} not reachable with the arrow keys")


def type_date(page: Any, selector: str, keys: str) -> None:
    """Type a date into a date input (`keys` from the `date_keys` fixture)."""
    tab_to(page, selector)
    page.keyboard.type(keys)


def press_button(page: Any, text: str) -> None:
    """Tab to the button or link whose text contains `text`, then press Enter."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        now = focused(page)
        if now["tag"] in ("BUTTON", "A") and text in now["text"]:
            page.keyboard.press("Enter")
            return
    raise AssertionError(f"no button or link {text!r} reachable with the Tab key")
