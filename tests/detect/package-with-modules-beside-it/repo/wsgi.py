from shopapp import create_app

app = create_app()
