"""The YAML formats users write (plans, scoring schemes, mapping files, fetch presets)
are pydantic models; this turns pydantic's errors into the project's words.

A :class:`pydantic.ValidationError` lists every error with its location, such as
``('goals', 2, 'target', 'year')``; :func:`problems` gives each one as a
:class:`Problem`: the key as the documentation writes it (``goals[2].target.year``) and
a sentence in English and in Dutch (the web forms show plan errors in Dutch). A
validator states its own rule in both languages with :func:`fail`; pydantic's own
checks (a missing key, a wrong type, a number out of range) get theirs from
:data:`MESSAGES`. The models' JSON Schemas are published in ``docs/schemas/``
(``scripts/write_schemas.py``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from types import UnionType
from typing import Annotated, Any, NoReturn, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import PydanticCustomError

CUSTOM = "wijkkompas"   # the error type of fail(), carrying both languages


class Strict(BaseModel):
    """Unknown keys are refused: a misspelt key would otherwise be ignored in silence."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class Problem:
    key: str        # ``goals[2].target.year``; "" for the document as a whole
    en: str
    nl: str


def fail(key: str | None, en: str, nl: str) -> NoReturn:
    """Refuse a value in a validator: ``en`` in English (CLI, API), ``nl`` the same in
    Dutch (the web forms). ``key`` is None at the validator's own location, else a key
    below it (``end`` of a horizon, ``[2]`` of a list) that is added to pydantic's
    location."""
    raise PydanticCustomError(CUSTOM, "{en}", {"en": en, "nl": nl, "key": key})


# pydantic's error type -> (English, Dutch); {input} is the value given, {type} its type
# in words, the other names pydantic's context of the error (ge, expected, ...)
MESSAGES = {
    "missing": ("is required", "is verplicht"),
    "extra_forbidden": ("unknown key", "onbekend onderdeel"),
    "model_type": ("expected a mapping (key: value), got {type}",
                   "verwacht onderdelen met een waarde (naam: waarde), maar kreeg {type}"),
    "model_attributes_type": ("expected a mapping (key: value), got {type}",
                              "verwacht onderdelen met een waarde (naam: waarde), maar kreeg "
                              "{type}"),
    "dict_type": ("expected a mapping (key: value), got {type}",
                  "verwacht onderdelen met een waarde (naam: waarde), maar kreeg {type}"),
    "list_type": ("expected a list, got {type}", "verwacht een lijst, maar kreeg {type}"),
    "tuple_type": ("expected a list, got {type}", "verwacht een lijst, maar kreeg {type}"),
    "string_type": ("expected text, got {type}", "verwacht tekst, maar kreeg {type}"),
    "int_type": ("must be a whole number, not {input}",
                 "verwacht een geheel getal, maar kreeg {input}"),
    "int_parsing": ("must be a whole number, not {input}",
                    "verwacht een geheel getal, maar kreeg {input}"),
    "int_from_float": ("must be a whole number, not {input}",
                       "verwacht een geheel getal, maar kreeg {input}"),
    "float_type": ("must be a number, not {input}", "verwacht een getal, maar kreeg {input}"),
    "float_parsing": ("must be a number, not {input}",
                      "verwacht een getal, maar kreeg {input}"),
    "finite_number": ("must be a finite number, not {input}",
                      "verwacht een eindig getal, maar kreeg {input}"),
    "bool_type": ("must be true or false, not {input}",
                  "verwacht true of false, maar kreeg {input}"),
    "bool_parsing": ("must be true or false, not {input}",
                     "verwacht true of false, maar kreeg {input}"),
    "greater_than": ("must be more than {gt}, not {input}",
                     "moet groter zijn dan {gt}, niet {input}"),
    "greater_than_equal": ("must be {ge} or more, not {input}",
                           "moet {ge} of meer zijn, niet {input}"),
    "less_than": ("must be less than {lt}, not {input}",
                  "moet kleiner zijn dan {lt}, niet {input}"),
    "less_than_equal": ("must be {le} or less, not {input}",
                        "moet {le} of minder zijn, niet {input}"),
    "literal_error": ("unknown value {input}; choose {expected}",
                      "onbekende waarde {input}; kies {expected}"),
    "too_short": ("must not be empty", "mag niet leeg zijn"),
}


def key_of(loc: tuple[Any, ...]) -> str:
    """``('goals', 2, 'target', 'year')`` -> ``goals[2].target.year``; pydantic's
    ``[key]`` marker (an error in a mapping's key, not its value) is left out."""
    key = ""
    for part in loc:
        if part == "[key]":
            continue
        key += f"[{part}]" if isinstance(part, int) else f".{part}" if key else str(part)
    return key


def problems(exc: ValidationError, model: type[BaseModel] | None = None) -> list[Problem]:
    """Every error of ``exc``, in the order pydantic met them, each once. With the
    ``model`` validated, an unknown key's message names the keys allowed there."""
    out: list[Problem] = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        ctx = error.get("ctx") or {}
        if error["type"] == CUSTOM:
            en, nl = ctx["en"], ctx["nl"]
            if ctx.get("key"):
                loc += tuple(int(part[1:-1]) if part.startswith("[") else part
                             for part in re.findall(r"\[\d+\]|[^.\[\]]+", ctx["key"]))
        elif error["type"] == "value_error":  # a validator's plain ValueError: English
            en = nl = str(ctx.get("error", error["msg"]))
        else:
            en, nl = _words(error)
        if error["type"] == "extra_forbidden" and model is not None:
            allowed = _model_at(model, loc[:-1])
            if allowed is not None:
                names = ", ".join(allowed.model_fields)
                en, nl = f"{en} (allowed: {names})", f"{nl} (toegestaan: {names})"
        problem = Problem(key_of(loc), en, nl)
        if problem not in out:
            out.append(problem)
    return out


def _words(error: Any) -> tuple[str, str]:
    """pydantic's own error in English and Dutch (:data:`MESSAGES`)."""
    value = error.get("input")
    context = {k: f"{v:g}" if isinstance(v, float) else v   # "1 or less", not "1.0"
               for k, v in (error.get("ctx") or {}).items() if k != "error"}
    texts = MESSAGES.get(error["type"], (error["msg"], error["msg"]))
    en, nl = (text.format(**context, input=_shown(value)[i], type=_type_name(value)[i])
              for i, text in enumerate(texts))
    return en, nl


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class at ``loc`` inside ``model`` (through lists and mappings)."""
    current: Any = model
    for part in loc:
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return None
            current = field.annotation
        else:   # a list's item or a mapping's value
            args = [a for a in get_args(current) if a is not type(None)]
            current = args[-1] if args else None
        current = _model_in(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _model_in(annotation: Any) -> Any:
    """``X | None`` and ``Annotated[X, ...]`` -> X; a union holding a model -> the model."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
        return models[0] if models else args[0] if len(args) == 1 else annotation
    return annotation


def describe(where: str, found: list[Problem]) -> str:
    """The problems after ``where`` (a file), one a line, in English (the CLI's words)."""
    lines = [f"{p.key}: {p.en}" if p.key else p.en for p in found]
    if len(lines) == 1:
        return f"{where}: {lines[0]}" if where else lines[0]
    head = f"{where}: {len(lines)} errors" if where else f"{len(lines)} errors"
    return head + "".join(f"\n  {line}" for line in lines)


def _shown(value: Any) -> tuple[str, str]:
    """The value given, as a message quotes it: its repr, or for a mapping or list (too
    long to quote) its kind."""
    return (repr(value), repr(value)) if not isinstance(value, (dict, list)) else \
        _type_name(value)


_TYPES: dict[type, tuple[str, str]] = {
    dict: ("a mapping", "onderdelen met een waarde"), list: ("a list", "een lijst"),
    str: ("text", "tekst"), type(None): ("nothing", "niets"),
    bool: ("true or false", "true of false"), int: ("a whole number", "een geheel getal"),
    float: ("a number", "een getal")}


def _type_name(value: Any) -> tuple[str, str]:
    name = type(value).__name__
    return _TYPES.get(type(value), (name, name))
