from greeter import greet


def test_greet() -> None:
    assert greet("Ada") == "Hello, Ada!"


def test_greet_capitalises() -> None:
    assert greet("ada lovelace") == "Hello, Ada Lovelace"
