"""Progress bars (tqdm.auto) whose saved notebook output shows where they ended, not "0%"."""

from tqdm.auto import tqdm


def _notebook_bar_class():
    try:
        from tqdm.notebook import tqdm as notebook_tqdm
    except ImportError:  # no ipywidgets: tqdm.auto is the text bar
        return None
    return notebook_tqdm


class ProgressBar(tqdm):
    """tqdm.auto's bar; in a notebook its output is refreshed on close, so a saved notebook shows the final count.

    A notebook bar is a widget, and a viewer without widgets (GitHub, a fresh clone, a web page) shows the plain
    text captured when it was displayed, i.e. "0%". Displaying it under a display_id and updating that display
    on close leaves the final state in the output's plain text as well.
    """

    def __init__(self, *args, **kwargs):
        notebook = _notebook_bar_class()
        in_notebook = notebook is not None and isinstance(self, notebook)
        if in_notebook:
            kwargs["display"] = False
        self._handle = None
        super().__init__(*args, **kwargs)
        if in_notebook and not self.disable:
            from IPython.display import display

            self._handle = display(self.container, display_id=True)
            self.displayed = True

    def close(self):
        """Close the bar; in a notebook, refresh its output to the final state."""
        super().close()
        handle, self._handle = self._handle, None
        if handle is not None:
            handle.update(self.container)
