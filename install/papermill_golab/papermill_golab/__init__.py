"""papermill translator for the GoLab kernel (language "go").

The Go it writes is exactly what ``golab run -p`` injects (see the Go
package kernel/batch): a ``// Parameters`` comment, then ``name = value``
for variables the ``parameters`` cell declares (so they keep their Go type)
and ``name := value`` for the others.

Values:
  None -> nil (``any(nil)`` when declared with :=), bools -> true/false,
  ints -> decimal, floats -> Python's repr (always a float constant),
  NaN/inf -> math.NaN()/math.Inf(1), -0.0 -> math.Copysign(0, -1),
  strings -> Go's strconv.QuoteToASCII, lists -> []T{...} with T int,
  float64, string or bool when the elements share a kind (ints with floats
  give float64) else any, dicts -> map[string]T{...} with sorted keys.
"""
from .translator import (GoTranslator, declared_vars, format_float, quote_ascii, register,  # noqa: F401
                         render)
from .engine import GolabEngine  # noqa: F401

__all__ = ["GoTranslator", "GolabEngine", "register", "render", "declared_vars", "format_float", "quote_ascii"]
