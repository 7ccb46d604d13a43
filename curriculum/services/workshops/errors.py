"""A change to a workshop refused, with a code that says why."""


class WorkshopError(ValueError):
    """A change to a workshop was refused; the code says why."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params
