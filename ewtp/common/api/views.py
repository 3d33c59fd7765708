from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView


class PingApi(APIView):
    """Who am I? Shows the calling client and the scopes of its token."""

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "Ping"

        client_id = serializers.CharField()
        client_name = serializers.CharField()
        kind = serializers.CharField()
        scopes = serializers.ListField(child=serializers.CharField())
        token_expires = serializers.DateTimeField()

    @extend_schema(operation_id="ping", responses={200: OutputSerializer}, tags=["meta"])
    def get(self, request):
        token = request.auth
        application = token.application
        data = {
            "client_id": application.client_id,
            "client_name": application.name,
            "kind": application.api_client.kind,
            "scopes": sorted(token.scope.split()),
            "token_expires": token.expires,
        }
        return Response(self.OutputSerializer(data).data)
