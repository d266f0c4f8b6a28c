"""The gallery site on AWS: web/ in a private bucket behind CloudFront, with config.json written at deploy.

- Origin access control only: neither bucket is public. The site bucket serves web/; `/images/<designId>`
  is rewritten by a CloudFront Function to `<designId>.jpg` under the uploads bucket's `published/` prefix,
  and the uploads bucket's policy lets this distribution read `published/*` and nothing else, so
  quarantined, rejected and pending objects are never reachable through it. Images get a forced
  Content-Type, `nosniff` and a sandboxing CSP; pages get the site's CSP and security headers.
- Pages use hash routes (`#/designs/<id>`), so no rewrite is needed for them; the owner's review links are
  `#/reviews/<photoId>` here.
- `config.json` (API URL, events endpoints, the subscribe-only key, user pool ids) only exists once those
  resources do: a custom resource (infra/site_deploy/handler.py) publishes web/ and writes it at deploy.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Aws, CustomResource, Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from constructs import Construct

from functions import names
from infra import site_deploy
from infra.config import DeployConfig
from infra.lambdas import FunctionSpec, SalonFunction
from infra.nag import acknowledge

WEB_DIR = Path(__file__).resolve().parents[1] / "web"
IMAGE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
IMAGE_REWRITE = """function handler(event) {
  var request = event.request;
  var match = request.uri.match(/^\\/images\\/([A-Za-z0-9-]{1,64})$/);
  if (!match) {
    return { statusCode: 404, statusDescription: 'Not Found' };
  }
  request.uri = '/' + match[1] + '.jpg';
  return request;
}
"""


def site_files() -> list[str]:
    """The files web/ holds (what the deploy puts), relative to it."""
    return sorted(str(p.relative_to(WEB_DIR)) for p in WEB_DIR.rglob("*") if p.is_file() and p.name != "config.json")


def site_csp(region: str, uploads_origin: str) -> str:
    """The pages' CSP: scripts and styles from the site only; the API, Cognito and AppSync Events of this
    region; images from the site and (the owner's presigned URLs) the uploads bucket."""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src 'self' data: {uploads_origin}; "
        f"connect-src 'self' https://*.execute-api.{region}.amazonaws.com https://cognito-idp.{region}.amazonaws.com "
        f"https://*.appsync-api.{region}.amazonaws.com wss://*.appsync-realtime-api.{region}.amazonaws.com; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )


class Site(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        uploads: s3.Bucket,
        access_logs: s3.IBucket,
        config: DeployConfig,
    ) -> None:
        super().__init__(scope, construct_id)
        destroy = not config.retain_data
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="site-bucket/",
            removal_policy=RemovalPolicy.DESTROY if destroy else RemovalPolicy.RETAIN,
            auto_delete_objects=destroy,
        )
        self.uploads_origin = f"https://{uploads.bucket_regional_domain_name}"
        security = cloudfront.ResponseSecurityHeadersBehavior(
            content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
            frame_options=cloudfront.ResponseHeadersFrameOptions(
                frame_option=cloudfront.HeadersFrameOption.DENY, override=True
            ),
            referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                referrer_policy=cloudfront.HeadersReferrerPolicy.NO_REFERRER, override=True
            ),
            strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                access_control_max_age=Duration.days(365), include_subdomains=True, override=True
            ),
            content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                content_security_policy=site_csp(Aws.REGION, self.uploads_origin), override=True
            ),
        )
        page_headers = cloudfront.ResponseHeadersPolicy(
            self,
            "PageHeaders",
            comment="Salon gallery pages: CSP and security headers",
            security_headers_behavior=security,
        )
        image_headers = cloudfront.ResponseHeadersPolicy(
            self,
            "ImageHeaders",
            comment="Salon gallery images: forced type, nosniff, sandboxing CSP",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=IMAGE_CSP, override=True
                ),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=Duration.days(365), include_subdomains=True, override=True
                ),
            ),
            custom_headers_behavior=cloudfront.ResponseCustomHeadersBehavior(
                custom_headers=[
                    cloudfront.ResponseCustomHeader(header="Content-Type", value="image/jpeg", override=True)
                ]
            ),
        )
        rewrite = cloudfront.Function(
            self,
            "ImagePath",
            code=cloudfront.FunctionCode.from_inline(IMAGE_REWRITE),
            runtime=cloudfront.FunctionRuntime.JS_2_0,
            comment="images/<designId> -> published/<designId>.jpg; anything else 404",
        )
        images_origin = origins.S3BucketOrigin.with_bucket_defaults(
            uploads, origin_path=f"/{names.PUBLISHED_PREFIX}".rstrip("/")
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment="Salon gallery",
            default_root_object="index.html",
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                response_headers_policy=page_headers,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
            ),
            additional_behaviors={
                f"{names.GALLERY_IMAGES_PATH}*": cloudfront.BehaviorOptions(
                    origin=images_origin,
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                    response_headers_policy=image_headers,
                    cache_policy=cloudfront.CachePolicy(
                        self,
                        "ImageCache",
                        comment="Published images: a take-down is gone from the edge within 5 minutes",
                        default_ttl=Duration.minutes(5),
                        max_ttl=Duration.minutes(5),
                        min_ttl=Duration.seconds(0),
                    ),
                    function_associations=[
                        cloudfront.FunctionAssociation(
                            function=rewrite, event_type=cloudfront.FunctionEventType.VIEWER_REQUEST
                        )
                    ],
                )
            },
        )
        self._images_access(uploads)
        self.domain = self.distribution.distribution_domain_name
        self.origin = f"https://{self.domain}"
        self.url = f"{self.origin}/"
        self._acknowledge()

    def _images_access(self, uploads: s3.Bucket) -> None:
        """OAC for the images origin, and a bucket policy reading published/* for this distribution only."""
        oac = cloudfront.S3OriginAccessControl(self, "ImagesAccess", description="Salon gallery: published images")
        cfn = self.distribution.node.default_child
        assert isinstance(cfn, cloudfront.CfnDistribution)
        cfn.add_property_override("DistributionConfig.Origins.1.OriginAccessControlId", oac.origin_access_control_id)
        cfn.add_property_override("DistributionConfig.Origins.1.S3OriginConfig.OriginAccessIdentity", "")
        uploads.add_to_resource_policy(
            iam.PolicyStatement(
                sid="GalleryReadsPublishedImages",
                principals=[iam.ServicePrincipal("cloudfront.amazonaws.com")],
                actions=["s3:GetObject"],
                resources=[uploads.arn_for_objects(f"{names.PUBLISHED_PREFIX}*")],
                conditions={
                    "StringEquals": {
                        "AWS:SourceArn": f"arn:{Aws.PARTITION}:cloudfront::{Aws.ACCOUNT_ID}:distribution/"
                        f"{self.distribution.distribution_id}"
                    }
                },
            )
        )

    def publish(
        self, *, uploads: s3.IBucket, origin: str, config: DeployConfig, site_config: dict[str, str]
    ) -> CustomResource:
        """Publishes web/ and writes config.json (values known once the stack's resources exist)."""
        files = s3_assets.Asset(self, "Files", path=str(WEB_DIR), exclude=["config.json"])
        publisher = SalonFunction(
            self,
            "Publish",
            function_name="salon-publish-site",
            handler="handler.handler",
            spec=FunctionSpec(
                "Publishes the gallery site and its config.json (CloudFormation custom resource)", 256, 120
            ),
            code=lambda_.Code.from_asset(str(site_deploy.DIR), exclude=["__pycache__", "*.pyc", "__init__.py"]),
            layers=[],
            config=config,
        )
        publisher.role.add_to_policy(  # its own staged zip, by exact key
            iam.PolicyStatement(
                actions=["s3:GetObject"],
                resources=[f"arn:{Aws.PARTITION}:s3:::{files.s3_bucket_name}/{files.s3_object_key}"],
            )
        )
        publisher.role.add_to_policy(  # the uploads bucket's CORS names the site's origin (set here: no cycle)
            iam.PolicyStatement(actions=["s3:PutBucketCORS"], resources=[uploads.bucket_arn])
        )
        publisher.role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:PutObject", "s3:DeleteObject"], resources=[self.bucket.arn_for_objects("*")]
            )
        )
        publisher.role.add_to_policy(
            iam.PolicyStatement(
                actions=["cloudfront:CreateInvalidation"],
                resources=[
                    f"arn:{Aws.PARTITION}:cloudfront::{Aws.ACCOUNT_ID}:distribution/{self.distribution.distribution_id}"
                ],
            )
        )
        site_bucket = self.bucket.node.default_child
        assert isinstance(site_bucket, s3.CfnBucket)
        acknowledge(
            publisher.role,
            "IAM5",
            "The site publisher writes and prunes the site bucket's files; every key in that bucket is a site file.",
            [f"Resource::<{Stack.of(self).get_logical_id(site_bucket)}.Arn>/*"],
        )
        resource = CustomResource(
            self,
            "Published",
            service_token=publisher.function.function_arn,
            resource_type="Custom::GallerySite",
            properties={
                "SiteBucket": self.bucket.bucket_name,
                "AssetBucket": files.s3_bucket_name,
                "AssetKey": files.s3_object_key,
                "DistributionId": self.distribution.distribution_id,
                "Files": site_files(),
                "UploadsBucket": uploads.bucket_name,
                "SiteOrigin": origin,
                **site_config,
            },
        )
        resource.node.add_dependency(self.bucket)
        return resource

    def _acknowledge(self) -> None:
        acknowledge(
            self.distribution,
            "CFR1",
            "The gallery is for anyone who can reach it; no country is excluded, so no geo restriction.",
        )
        acknowledge(
            self.distribution,
            "CFR2",
            "No WAF web ACL: the site is static files and published images; writes go to the API, which "
            "throttles and needs Cognito tokens. A web ACL costs more than one small salon's traffic.",
        )
        acknowledge(
            self.distribution,
            "CFR3",
            "CloudFront standard logs need an ACL-enabled bucket; the access-log bucket enforces bucket-owner "
            "ownership (no ACLs). The buckets behind it log their requests (S3 server access logs).",
        )
        acknowledge(
            self.distribution,
            "CFR4",
            "The default *.cloudfront.net certificate allows TLSv1 viewers; the viewer policy is TLSv1.2_2021 "
            "once a custom domain and certificate are configured (docs/deploy.md).",
        )
        acknowledge(
            self.distribution,
            "CFR7",
            "Both S3 origins use origin access control: the images origin's OAC is set by a property override "
            "(CDK's helper would let the distribution read the whole uploads bucket, not only published/*).",
        )
