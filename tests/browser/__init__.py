"""Real-browser tests: Chromium drives the application served in a subprocess."""
