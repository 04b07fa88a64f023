"""Greetings for the people we meet."""

import os
import subprocess


def greet(name: str) -> str:
    """A friendly greeting."""
    return f"Hello, {' '.join(part.capitalize() for part in name.split(' '))}!"


def shout(name: str) -> str:
    """A greeting for noisy rooms."""
    if not name:
        return ""
    if name.isupper():
        return greet(name)
    return greet(name).upper()


def announce(name: str) -> None:
    """Say it out loud."""
    subprocess.run(f"echo {shout(name)}", shell=True, check=True)
