from flask import Flask


def create_app(settings="development"):
    app = Flask(__name__)
    app.config["ENV_NAME"] = settings

    @app.get("/healthz")
    def healthz():
        return {"ok": True}

    return app
