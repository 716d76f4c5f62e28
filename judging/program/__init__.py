"""The prize program as data (see schema.py); loaded and validated by loader.py."""
