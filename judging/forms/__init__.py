"""One form class per action (Flask-WTF: CSRF on every POST)."""
