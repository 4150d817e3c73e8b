"""`make run`'s AWS: moto's server on loopback with what Sequences uses already created.

SES (the demo domain's identity and a configuration set publishing events to SNS), the SNS
topic with an SQS queue subscribed (the feedback queue) and the inbound-mail S3 bucket.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from typing import Any

QUEUE = "sequences-ses-events"
TOPIC = "sequences-ses-events"
BUCKET = "sequences-inbound"
CONFIGURATION_SET = "sequences"
REGION = "us-east-1"


@dataclass(frozen=True)
class LocalAws:
    endpoint: str
    queue_url: str
    bucket: str
    server: Any

    def env(self) -> dict[str, str]:
        """What the tracking app, Airflow and the CLI need to use it."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "SEQUENCES_SES_EVENTS_QUEUE_URL": self.queue_url,
            "SEQUENCES_INBOUND_BUCKET": self.bucket,
            "SEQUENCES_SES_CONFIGURATION_SET": CONFIGURATION_SET,
        }

    def airflow_connection(self) -> str:
        return json.dumps(
            {
                "conn_type": "aws",
                "login": "testing",
                "password": "testing",
                "extra": {"region_name": REGION, "endpoint_url": self.endpoint},
            }
        )

    def stop(self) -> None:
        self.server.stop()


def start_local_aws(port: int, sender_domain: str) -> LocalAws:
    import boto3
    from moto.server import ThreadedMotoServer

    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
        os.environ.setdefault(name, value)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"

    def client(name: str) -> Any:
        return boto3.client(name, region_name=REGION, endpoint_url=endpoint)

    ses, sns, sqs = client("sesv2"), client("sns"), client("sqs")
    ses.create_email_identity(EmailIdentity=sender_domain)
    topic = sns.create_topic(Name=TOPIC)["TopicArn"]
    queue_url = sqs.create_queue(QueueName=QUEUE)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    ses.create_configuration_set(ConfigurationSetName=CONFIGURATION_SET)
    # moto serves event destinations through the SES v1 API only; the set is the same one.
    client("ses").create_configuration_set_event_destination(
        ConfigurationSetName=CONFIGURATION_SET,
        EventDestination={
            "Name": "to-sns",
            "Enabled": True,
            "MatchingEventTypes": ["send", "delivery", "bounce", "complaint", "reject"],
            "SNSDestination": {"TopicARN": topic},
        },
    )
    client("s3").create_bucket(Bucket=BUCKET)
    return LocalAws(endpoint, queue_url, BUCKET, server)
