"""The Go translator; see the package doc."""
import inspect
import math
import re

from papermill.exceptions import PapermillException
from papermill.models import Parameter
from papermill.translators import Translator, papermill_translators

LANGUAGE = "go"
KERNEL_NAME = "golab"

GO_KEYWORDS = {
    "break", "case", "chan", "const", "continue", "default", "defer", "else", "fallthrough", "for",
    "func", "go", "goto", "if", "import", "interface", "map", "package", "range", "return", "select",
    "struct", "switch", "type", "var",
}

_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v",
            '"': '\\"', "\\": "\\\\"}


def quote_ascii(s):
    """Go's strconv.QuoteToASCII: a double-quoted Go string literal with
    every non-ASCII character written as \\u or \\U escape."""
    out = ['"']
    for ch in s:
        cp = ord(ch)
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif 0x20 <= cp < 0x7F:
            out.append(ch)
        elif cp < 0x20 or cp == 0x7F:
            out.append("\\x%02x" % cp)
        elif 0xDC80 <= cp <= 0xDCFF:  # a byte kept by surrogateescape: Go writes invalid bytes as \x
            out.append("\\x%02x" % (cp - 0xDC00))
        elif 0xD800 <= cp <= 0xDFFF:
            out.append("\\ufffd")
        elif cp < 0x10000:
            out.append("\\u%04x" % cp)
        else:
            out.append("\\U%08x" % cp)
    out.append('"')
    return "".join(out)


def format_float(v):
    """A Go floating-point expression for v (Python's repr for finite values)."""
    if math.isnan(v):
        return "math.NaN()"
    if math.isinf(v):
        return "math.Inf(1)" if v > 0 else "math.Inf(-1)"
    if v == 0 and math.copysign(1.0, v) < 0:
        return "math.Copysign(0, -1)"
    return repr(float(v))


def _kind(v):
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float64"
    if isinstance(v, str):
        return "string"
    return None


def _elem_type(values):
    kinds = set()
    for v in values:
        k = _kind(v)
        if k is None:
            return "any"
        kinds.add(k)
    if len(kinds) == 1:
        return kinds.pop()
    if kinds == {"int", "float64"}:
        return "float64"
    return "any"


def render(val, define=False):
    """The Go expression for val; define says it starts a := declaration."""
    if val is None:
        return "any(nil)" if define else "nil"
    if isinstance(val, bool):
        return "true" if val else "false"
    if isinstance(val, int):
        return str(int(val))
    if isinstance(val, float):
        return format_float(val)
    if isinstance(val, str):
        return quote_ascii(val)
    if isinstance(val, (list, tuple)):
        return "[]%s{%s}" % (_elem_type(val), ", ".join(render(v) for v in val))
    if isinstance(val, dict):
        keys = sorted(str(k) for k in val)
        by_str = {str(k): v for k, v in val.items()}
        vals = [by_str[k] for k in keys]
        return "map[string]%s{%s}" % (_elem_type(vals),
                                      ", ".join("%s: %s" % (quote_ascii(k), render(by_str[k])) for k in keys))
    return quote_ascii(str(val))


_IDENT_LIST = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*(?:\s*,\s*[A-Za-z_][A-Za-z0-9_]*)*)")
_DEFINE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*(?:\s*,\s*[A-Za-z_][A-Za-z0-9_]*)*)\s*:=")


def declared_vars(src):
    """Variables a parameters cell declares with var or := (line by line,
    as kernel/batch.DeclaredVars does; constants are left out)."""
    names = set()
    block = ""

    def add(lst):
        for n in lst.split(","):
            n = n.strip()
            if n and n != "_":
                names.add(n)

    for line in src.split("\n"):
        i = line.find("//")
        if i >= 0:
            line = line[:i]
        line = line.strip(" \t\r\n\v\f\x85\xa0")
        if block:
            if line.startswith(")"):
                block = ""
            else:
                m = _IDENT_LIST.match(line)
                if m and block == "var":
                    add(m.group(1))
        elif line in ("var (", "var("):
            block = "var"
        elif line in ("const (", "const("):
            block = "const"
        elif line.startswith("var "):
            m = _IDENT_LIST.match(line[4:].strip())
            if m:
                add(m.group(1))
        else:
            m = _DEFINE.match(line)
            if m:
                add(m.group(1))
    return names


def _is_go_identifier(name):
    return isinstance(name, str) and name.isidentifier() and name not in GO_KEYWORDS and name != "_"


def _parameters_cell_source():
    """The source of the notebook's parameters cell, found in papermill's
    parameterize_notebook frame (the translator API gets no notebook)."""
    frame = inspect.currentframe()
    try:
        f = frame.f_back if frame else None
        while f is not None:
            if f.f_code.co_name == "parameterize_notebook" and "nb" in f.f_locals:
                for cell in getattr(f.f_locals["nb"], "cells", []):
                    if "parameters" in cell.get("metadata", {}).get("tags", []):
                        src = cell.get("source", "")
                        return "".join(src) if isinstance(src, list) else src
                return ""
            f = f.f_back
        return ""
    finally:
        del frame


class GoTranslator(Translator):
    """papermill translator for Go (the GoLab kernel)."""

    @classmethod
    def translate(cls, val):
        return render(val)

    @classmethod
    def comment(cls, cmt_str):
        return f"// {cmt_str}".strip()

    @classmethod
    def assign(cls, name, str_val):
        return f"{name} := {str_val}"

    @classmethod
    def codify(cls, parameters, comment="Parameters"):
        return cls.codify_with(parameters, comment, declared_vars(_parameters_cell_source()))

    @classmethod
    def codify_with(cls, parameters, comment, declared):
        """The injected cell for parameters, given the declared names."""
        content = f"{cls.comment(comment)}\n"
        for name, val in parameters.items():
            if not _is_go_identifier(name):
                raise PapermillException(f"parameter name {name!r} is not a Go identifier")
            if name in declared:
                content += f"{name} = {render(val)}\n"
            else:
                content += f"{name} := {render(val, define=True)}\n"
        return content

    @classmethod
    def inspect(cls, parameters_cell):
        """Parameters of a Go parameters cell (for papermill --help-notebook)."""
        params = []
        src = parameters_cell["source"]
        if isinstance(src, list):
            src = "".join(src)
        pattern = re.compile(
            r"^(?:var\s+)?(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?P<type>[^=:]*?)\s*:?=\s*(?P<value>.*?)\s*(?://\s*(?P<help>.*))?$")
        for line in src.split("\n"):
            m = pattern.match(line.strip())
            if m and m.group("name") not in GO_KEYWORDS:
                params.append(Parameter(name=m.group("name"), inferred_type_name=m.group("type") or "None",
                                        default=m.group("value"), help=m.group("help") or ""))
        return params


def register():
    """Register GoTranslator with papermill for language "go" and kernel "golab"."""
    papermill_translators.register(LANGUAGE, GoTranslator)
    papermill_translators.register(KERNEL_NAME, GoTranslator)


register()

