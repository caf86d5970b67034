from ninja import NinjaAPI

api = NinjaAPI(title="Casework Assurance API", version="1", urls_namespace="api")
