from greeter import greet


def test_greet_speed(benchmark) -> None:
    benchmark(greet, "Ada Lovelace")
