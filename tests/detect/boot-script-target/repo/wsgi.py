from svc import create_app

application = create_app("production")
