# Entry point for the naive reference image: Flask's development server, as such examples do.
import os

from demo.app import app

app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "8000")))
