from greeter import announce, greet, shout


def test_greet() -> None:
    assert greet("Ada") == "Hello, Ada!"


def test_shout() -> None:
    assert shout("Ada") == "HELLO, ADA!"
    assert shout("ADA") == "Hello, ADA!"
    assert shout("") == ""


def test_announce(capfd) -> None:
    announce("Ada")
    assert capfd.readouterr().out == "HELLO, ADA!\n"
