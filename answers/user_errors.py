"""The one exception type for "what you typed can't be used": every front end shows its message as is."""

from __future__ import annotations


class InputError(ValueError):
    """Something the user typed that we cannot use; ``suggestions`` are "did you mean" choices (titles)."""

    def __init__(self, message: str, suggestions: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.suggestions = suggestions or []

    def full_message(self, limit: int = 5) -> str:
        """The message with its "did you mean" choices, as one line."""
        if self.suggestions and "Did you mean" not in self.message:
            return f"{self.message} Did you mean: {', '.join(self.suggestions[:limit])}?"
        return self.message
