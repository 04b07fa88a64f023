"""The GitHub REST client against the loopback stand-in: answers, pages, and every failure."""

from __future__ import annotations

import pytest

from trunkgate.rest import Client, RestError


def test_get_sends_the_token_and_decodes_json(rest_api) -> None:
    rest_api.route("GET", "/repos/o/r/pulls/7", {"title": "feat: x"})
    client = Client.from_env({"GITHUB_API_URL": rest_api.url, "GITHUB_TOKEN": "t0ken"})
    assert client.get("repos/o/r/pulls/7") == {"title": "feat: x"}
    (call,) = rest_api.calls
    assert (call.method, call.path) == ("GET", "/repos/o/r/pulls/7")
    assert call.headers["authorization"] == "Bearer t0ken"
    assert call.headers["accept"] == "application/vnd.github+json"


def test_no_token_sends_no_authorization(rest_api) -> None:
    rest_api.route("GET", "/x", [])
    Client(rest_api.url, None).get("x")
    assert "authorization" not in rest_api.calls[0].headers


def test_paginate_follows_next_links(rest_api) -> None:
    rest_api.route("GET", "/repos/o/r/pulls/7/reviews", pages=[[1, 2], [3], [4]])
    items = list(Client(rest_api.url, "t").paginate("repos/o/r/pulls/7/reviews"))
    assert items == [1, 2, 3, 4]
    assert [c.query.get("page", "1") for c in rest_api.calls] == ["1", "2", "3"]
    assert all(c.query["per_page"] == "100" for c in rest_api.calls)


def test_post_and_patch_send_json_bodies(rest_api) -> None:
    rest_api.route("POST", "/repos/o/r/issues/7/comments", {"id": 1}, status=201)
    rest_api.route("PATCH", "/repos/o/r/issues/comments/1", {"id": 1})
    client = Client(rest_api.url, "t")
    assert client.post("repos/o/r/issues/7/comments", {"body": "hi"}) == {"id": 1}
    assert client.patch("repos/o/r/issues/comments/1", {"body": "ho"}) == {"id": 1}
    assert [c.body for c in rest_api.calls] == [{"body": "hi"}, {"body": "ho"}]


def test_http_error_is_one_line_with_githubs_message_and_no_token(rest_api) -> None:
    rest_api.route("GET", "/x", {"message": "Bad\ncredentials"}, status=401)
    with pytest.raises(RestError) as caught:
        Client(rest_api.url, "s3cret").get("x", {"q": "1"})
    message = str(caught.value)
    assert message == f"GET {rest_api.url}/x: HTTP 401 Bad credentials"
    assert "s3cret" not in message


def test_unknown_route_and_forced_failure(rest_api) -> None:
    with pytest.raises(RestError, match="HTTP 404 Not Found"):
        Client(rest_api.url, None).get("nowhere")
    rest_api.fail_with = 503
    rest_api.route("GET", "/x", {})
    with pytest.raises(RestError, match="HTTP 503 forced failure 503"):
        Client(rest_api.url, None).get("x")


def test_no_answer_names_the_url() -> None:
    client = Client("http://127.0.0.1:9", None, timeout=2)
    with pytest.raises(RestError, match=r"^GET http://127.0.0.1:9/x: no answer"):
        client.get("x")


def test_not_json_and_not_a_list(rest_api) -> None:
    rest_api.route("GET", "/obj", {"a": 1})
    with pytest.raises(RestError, match="expected a list, got dict"):
        list(Client(rest_api.url, None).paginate("obj"))
    rest_api.route("GET", "/search", {"items": [1, 2]})
    assert list(Client(rest_api.url, None).paginate("search")) == [1, 2]


def test_next_page_on_another_host_is_refused(rest_api) -> None:
    rest_api.route(
        "GET", "/x", [1], headers={"Link": '<https://evil.example/x?page=2>; rel="next"'}
    )
    with pytest.raises(RestError, match=r"another host was refused: https://evil\.example/x$"):
        list(Client(rest_api.url, "t").paginate("x"))


@pytest.mark.parametrize("api", ["file:///etc", "ftp://h/x", "nohost", "http://"])
def test_only_http_urls(api: str) -> None:
    with pytest.raises(RestError, match="expected an http"):
        Client(api, None)


def test_empty_answer_is_none(rest_api) -> None:
    rest_api.route("PATCH", "/x", None, status=204)
    assert Client(rest_api.url, None).patch("x", {}) is None


def test_proxy_settings_are_read_at_each_call(rest_api, monkeypatch) -> None:
    # urlopen's global opener keeps the proxies of its first call; the client must not.
    rest_api.route("GET", "/x", {"ok": True})
    for name in ("http_proxy", "HTTP_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    with pytest.raises(RestError, match="no answer"):
        Client(rest_api.url, None, timeout=2).get("x")
    for name in ("http_proxy", "HTTP_PROXY"):
        monkeypatch.delenv(name)
    assert Client(rest_api.url, None).get("x") == {"ok": True}
