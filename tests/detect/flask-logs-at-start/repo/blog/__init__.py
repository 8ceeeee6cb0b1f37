import logging
import os
from logging.handlers import RotatingFileHandler

from flask import Flask

from blog import cache


def create_app():
    app = Flask(__name__)
    if not app.debug:
        if not os.path.exists("logs"):
            os.mkdir("logs")
        file_handler = RotatingFileHandler("logs/blog.log", maxBytes=10240, backupCount=10)
        file_handler.setLevel(logging.INFO)
        app.logger.addHandler(file_handler)

    @app.get("/ping")
    def ping():
        return "pong"

    @app.post("/export")
    def export():
        with open("exports/latest.csv", "w") as out:
            out.write(cache.summary())
        return "ok"

    return app
