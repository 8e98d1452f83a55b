"""The configuration a client reads: colleagues, pipelines, stages and lost reasons."""

from __future__ import annotations

from rest_framework import serializers

from accounts.models import User
from pipeline.models import (
    LostReason,
    Pipeline,
    Stage,
)


# --- Configuration (read-only) --------------------------------------------------------------
class ColleagueSerializer(serializers.ModelSerializer):
    """What every user may know about an active colleague: name and work e-mail."""

    full_name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "full_name", "email", "updated_at"]
        read_only_fields = fields

    def get_full_name(self, obj: User) -> str:
        return str(obj)


class UserSerializer(serializers.ModelSerializer):
    """Admins: every user, with role, team and status."""

    full_name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "full_name",
            "email",
            "role",
            "team",
            "is_active",
            "updated_at",
        ]
        read_only_fields = fields

    def get_full_name(self, obj: User) -> str:
        return str(obj)


class PipelineSerializer(serializers.ModelSerializer):
    class Meta:
        model = Pipeline
        fields = ["id", "name", "position", "is_active", "created_at", "updated_at"]
        read_only_fields = fields


class StageSerializer(serializers.ModelSerializer):
    requirements = serializers.ListField(
        child=serializers.ChoiceField(choices=Stage.Requirement.choices), read_only=True
    )

    class Meta:
        model = Stage
        fields = [
            "id",
            "pipeline",
            "name",
            "position",
            "win_probability",
            "rotting_days",
            "is_active",
            "definition_of_done",
            "requirements",
            "is_moment_of_truth",
            "updated_at",
        ]
        read_only_fields = fields


class LostReasonSerializer(serializers.ModelSerializer):
    class Meta:
        model = LostReason
        fields = ["id", "name", "position", "is_active", "updated_at"]
        read_only_fields = fields
