"""Use cases. Services take an explicit actor and data, flush but never commit, and never
read the request or current_user: the request (or CLI command) commits once."""


class ServiceError(Exception):
    """A use case was refused; the message is for the user. Nothing was changed."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
