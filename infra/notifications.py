"""Notifications: the owner's alert topic (workflow emails) and the operations topic (CloudWatch alarms)."""

from __future__ import annotations

from aws_cdk import Annotations, Aws, Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from infra.config import DeployConfig


class Notifications(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: DeployConfig) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self,
            "TopicKey",
            description="Encrypts the Salon Insights SNS topics",
            enable_key_rotation=True,
            pending_window=Duration.days(7),
            removal_policy=RemovalPolicy.RETAIN if config.retain_data else RemovalPolicy.DESTROY,
        )
        # CloudWatch alarms publish to the encrypted operations topic as the cloudwatch service.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],  # in a key policy, "*" means this key
                conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}},
            )
        )
        self.alerts = sns.Topic(
            self, "OwnerAlerts", display_name="Salon Insights alerts", master_key=self.key, enforce_ssl=True
        )
        self.operations = sns.Topic(
            self, "Operations", display_name="Salon Insights operations", master_key=self.key, enforce_ssl=True
        )
        if config.owner_phone:  # owner alerts (reviews, quarantines, escalations) by SMS too
            self.alerts.add_subscription(subscriptions.SmsSubscription(config.owner_phone))
        if config.owner_email:
            for topic in (self.alerts, self.operations):
                topic.add_subscription(subscriptions.EmailSubscription(config.owner_email))
        else:
            Annotations.of(self).add_warning_v2(
                "salon:noOwnerEmail",
                "No owner email: alerts reach nobody. Deploy with -c salon:ownerEmail=owner@example.com",
            )
