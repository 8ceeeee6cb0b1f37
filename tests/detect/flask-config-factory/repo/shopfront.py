import os

from shop import create_app

app = create_app(os.getenv("SHOP_CONFIG") or "default")


@app.shell_context_processor
def make_shell_context():
    return {}
