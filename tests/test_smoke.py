from lcore import Lcore, TestClient


def test_hello() -> None:
    app = Lcore()

    @app.route("/")
    def index() -> str:
        return "Hello"

    assert TestClient(app).get("/").text == "Hello"
