"""Submitting an admin page's form as a browser would, with only the changes a test makes."""

from __future__ import annotations

from collections import defaultdict

from bs4 import BeautifulSoup


def admin_form_data(response) -> dict[str, list[str]]:
    """Every value the admin's add, change or password form would send as rendered (``<model>_form``)."""
    page = BeautifulSoup(response.content, "html.parser")
    form = next(form for form in page.find_all("form") if (form.get("id") or "").endswith("_form"))
    data: dict[str, list[str]] = defaultdict(list)
    for field in form.find_all(["input", "select", "textarea"]):
        name = field.get("name")
        if not name or field.has_attr("disabled"):
            continue
        if field.name == "input":
            kind = field.get("type", "text")
            if kind in {"submit", "button", "image", "file", "reset"}:
                continue
            if kind in {"checkbox", "radio"} and not field.has_attr("checked"):
                continue
            data[name].append(field.get("value", "on" if kind in {"checkbox", "radio"} else ""))
        elif field.name == "select":
            options = field.find_all("option")
            chosen = [option.get("value", option.text) for option in options if option.has_attr("selected")]
            if not chosen and options and not field.has_attr("multiple"):
                chosen = [options[0].get("value", options[0].text)]
            data[name].extend(chosen)
        else:
            # A browser drops the newline that opens a textarea's content.
            text = field.text
            data[name].append(text[1:] if text.startswith("\n") else text)
    return dict(data)
