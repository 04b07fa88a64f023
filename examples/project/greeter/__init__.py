"""Greetings for the people we meet."""


def greet(name: str) -> str:
    """A friendly greeting."""
    return f"Hello, {name}!"
