"""A papermill engine entry point whose only job is to get this package loaded.

papermill 2.7 loads every "papermill.engine" entry point when it is imported
but has no entry point group for translators, so loading this module is how
the Go translator gets registered when papermill runs from its CLI.
"""
from papermill.engines import NBClientEngine


def _register():
    try:
        from .translator import register
    except ImportError:
        # papermill_golab.translator is being imported right now (it imported
        # papermill, which loaded this entry point); it registers itself.
        return
    register()


_register()


class GolabEngine(NBClientEngine):
    """papermill's nbclient engine under the name "golab" (--engine golab)."""
