from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView

from ewtp.common.api.permissions import HasScope

from .. import selectors


class HubListApi(ListAPIView):
    """Hubs of the network with the e-roads that leave each one."""

    permission_classes = [HasScope]
    required_scopes = ["hubs:read"]

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "Hub"

        class ERoadSerializer(serializers.Serializer):
            class Meta:
                ref_name = "HubERoad"

            destination = serializers.CharField(source="destination.code")
            transit_days = serializers.IntegerField()
            is_active = serializers.BooleanField()

        code = serializers.CharField()
        name = serializers.CharField()
        country = serializers.CharField()
        iata_code = serializers.CharField()
        airport_name = serializers.CharField()
        currency = serializers.CharField()
        timezone = serializers.CharField()
        eroads = ERoadSerializer(source="eroads_out", many=True)

    serializer_class = OutputSerializer

    def get_queryset(self):
        return selectors.hub_list()

    @extend_schema(operation_id="hubs_list", tags=["hubs"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
