"""The web dashboard in a real headless browser (Chromium, Selenium)."""
