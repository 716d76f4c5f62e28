"""The states of every machine (defined with the models, which store them)."""
from judging.models.states import (  # noqa: F401  (re-exported)
    ENTRY_STATE_WORDS,
    EditionState,
    EntryState,
    ReviewState,
    RoundState,
)
