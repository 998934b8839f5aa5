"""template.yaml, template-ecr.yaml and samconfig.toml: checked offline.

The SAM transform is run locally with aws-sam-translator (no AWS call: a region is given to
its boto3 session and the managed-policy map is a stub), after doing locally the one thing the
AWS::LanguageExtensions transform does for this template (the database's DeletionPolicy from a
parameter). cfn-lint runs through its Python API. Both are dev tools (requirements-dev.txt); the
tests needing them skip when absent. checkov runs in `make lint` (a virtualenv of its own).
"""

import copy
import json
import logging
import re
import tomllib
from pathlib import Path

import pytest
import yaml

from handler.model_lifecycle import foundation_model_id

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
ECR_TEMPLATE = ROOT / "template-ecr.yaml"
SAMCONFIG = ROOT / "samconfig.toml"

ROUTES = {
    ("GET", "/health"),
    ("GET", "/openapi.json"),
    ("POST", "/records"),
    ("GET", "/records"),
    ("DELETE", "/records/{id}"),
    ("POST", "/diaries"),
    ("GET", "/diaries/{date}"),
    ("POST", "/agent"),
    ("POST", "/questions"),
    ("POST", "/images"),
    ("POST", "/reports"),
    ("GET", "/reports"),
    ("GET", "/reports/{id}"),
    ("PATCH", "/records/{id}"),
    ("GET", "/diaries"),
    ("PUT", "/diaries/{date}"),
    ("DELETE", "/diaries/{date}"),
    ("GET", "/images"),
    ("GET", "/images/{id}"),
    ("DELETE", "/images/{id}"),
    ("DELETE", "/reports/{id}"),
    ("GET", "/me/export"),
    ("GET", "/me/exports/{id}"),
    ("DELETE", "/me"),
    ("GET", "/me/usage"),
}
PUBLIC_ROUTES = {("GET", "/health"), ("GET", "/openapi.json")}
# The defaults, each Active in Bedrock's documentation (README, "Models").
DEFAULT_MODEL_ID = "us.anthropic.claude-sonnet-4-6"
DEFAULT_ROUTING_MODEL_ID = "us.anthropic.claude-haiku-5-5"
DEFAULT_IMAGE_MODEL_ID = "stability.stable-image-core-v1:1"
DEFAULT_EMBEDDING_MODEL_ID = "amazon.titan-embed-text-v2:0"
# What `sam build` writes into the built template for each image function.
BUILT_IMAGE_URIS = {
    "DiaryFunction": "diaryfunction:python3.11-v1",
    "MigrationFunction": "migrationfunction:python3.11-v1-migrate",
    "ModelCheckFunction": "modelcheckfunction:python3.11-v1-modelcheck",
    "VersionPruneFunction": "versionprunefunction:python3.11-v1-prune",
}
ENI_ACTIONS = {
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
}
# The only actions granted on "*": they have no resource-level permissions.
DESCRIBE_ACTIONS = {"ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"}
# The first call of a third-party model subscribes to it in AWS Marketplace (model-access.html).
MARKETPLACE_ACTIONS = {"aws-marketplace:ViewSubscriptions", "aws-marketplace:Subscribe"}
NO_RESOURCE_TYPE_ACTIONS = DESCRIBE_ACTIONS | MARKETPLACE_ACTIONS | {"bedrock:GetFoundationModelAvailability"}
# Every action each role may hold; anything else is a test failure.
ROLE_ACTIONS = {
    "DiaryFunctionRole": {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "bedrock:InvokeModel",
        "secretsmanager:GetSecretValue",
        "s3:PutObject",
        "s3:PutObjectTagging",
        "s3:GetObject",
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
        "s3:ListBucketVersions",
        "sqs:SendMessage",
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:GetQueueAttributes",
        *ENI_ACTIONS,
        *DESCRIBE_ACTIONS,
        *MARKETPLACE_ACTIONS,
    },
    "MigrationFunctionRole": {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "secretsmanager:GetSecretValue",
        *ENI_ACTIONS,
        *DESCRIBE_ACTIONS,
    },
    "ModelCheckFunctionRole": {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "bedrock:GetFoundationModel",
        "bedrock:GetInferenceProfile",
        "bedrock:GetFoundationModelAvailability",
    },
    "VersionPruneFunctionRole": {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "lambda:ListVersionsByFunction",
        "lambda:ListAliases",
        "lambda:DeleteFunction",
    },
    "DatabaseProxyRole": {"secretsmanager:GetSecretValue"},
    "EmbeddingBackfillSchedulerRole": {"sqs:SendMessage"},
}
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0a1b2c3d-AbCdEf"
PSEUDO = {
    "AWS::Partition": "aws",
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::StackName": "diary-dev",
    "AWS::URLSuffix": "amazonaws.com",
    # Attributes of the stack's resources, as CloudFormation would resolve them.
    "Database.MasterUserSecret.SecretArn": SECRET,
    "ImageBucket": "diary-dev-imagebucket-1a2b3c",
    "ImageBucket.Arn": "arn:aws:s3:::diary-dev-imagebucket-1a2b3c",
    "ReportQueue.Arn": "arn:aws:sqs:us-east-1:123456789012:diary-dev-ReportQueue-AbC",
    "DiaryFunctionLogGroup.Arn": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/diary-dev-diary:*",
    "MigrationFunctionLogGroup.Arn": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/diary-dev-migrate:*",
    "ModelCheckFunctionLogGroup.Arn": (
        "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/diary-dev-modelcheck:*"
    ),
    "VersionPruneFunctionLogGroup.Arn": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/diary-dev-prune:*",
    "DiaryFunction.Arn": "arn:aws:lambda:us-east-1:123456789012:function:diary-dev-DiaryFunction-AbC",
}


class _CfnLoader(yaml.SafeLoader):
    """YAML loader that turns CloudFormation short tags (!Ref, !Sub, ...) into their JSON form."""


def _cfn_tag(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "Condition":
        return {"Condition": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


_CfnLoader.add_multi_constructor("!", _cfn_tag)


def load_template(path: Path = TEMPLATE) -> dict:
    # A SafeLoader subclass: it only adds constructors for the CloudFormation tags.
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_CfnLoader)  # noqa: S506


def defaults(template: dict) -> dict:
    return {name: str(p["Default"]) for name, p in template["Parameters"].items() if "Default" in p}


def condition_values(template: dict, params: dict) -> dict:
    """Evaluate the template's conditions for the given parameter values."""

    def value(node):
        if isinstance(node, dict):
            ((key, arg),) = node.items()
            if key == "Ref":
                return params[arg]
            if key == "Condition":
                return value(template["Conditions"][arg])
            if key == "Fn::Equals":
                a, b = (value(x) for x in arg)
                return str(a) == str(b)
            if key == "Fn::Not":
                return not value(arg[0])
            if key == "Fn::And":
                return all(value(x) for x in arg)
            if key == "Fn::Or":
                return any(value(x) for x in arg)
            if key == "Fn::Join":
                parts = value(arg[1])
                return arg[0].join(parts.split(",") if isinstance(parts, str) else parts)
        return node

    return {name: value(expr) for name, expr in template["Conditions"].items()}


def evaluate(node, env: dict):
    """Resolve the few intrinsics the IAM resources use (Ref, GetAtt, Sub, Select, Split, Join)."""
    if isinstance(node, list):
        return [evaluate(item, env) for item in node]
    if not isinstance(node, dict) or len(node) != 1:
        return node
    ((key, arg),) = node.items()
    if key == "Ref":
        return env[arg]
    if key == "Fn::GetAtt":
        return env[".".join(arg)]
    if key == "Fn::Sub":
        if isinstance(arg, str):
            text, local = arg, {}
        else:
            text, local = arg[0], {k: evaluate(v, env) for k, v in arg[1].items()}
        return re.sub(r"\$\{([^}]+)\}", lambda m: str(local[m[1]] if m[1] in local else env[m[1]]), text)
    if key == "Fn::Split":
        return evaluate(arg[1], env).split(arg[0])
    if key == "Fn::Select":
        return evaluate(arg[1], env)[int(arg[0])]  # IndexError where CloudFormation fails too
    if key == "Fn::Join":
        return arg[0].join(evaluate(arg[1], env))
    if key == "Fn::If":
        name, if_true, if_false = arg
        return evaluate(if_true if condition_values(load_template(), env)[name] else if_false, env)
    return node


def apply_language_extensions(template: dict, params: dict) -> dict:
    """What AWS::LanguageExtensions does here: Fn::If in DeletionPolicy/UpdateReplacePolicy."""
    sam = copy.deepcopy(template)
    conditions = condition_values(sam, params)
    for resource in sam["Resources"].values():
        for attribute in ("DeletionPolicy", "UpdateReplacePolicy"):
            policy = resource.get(attribute)
            if isinstance(policy, dict):
                name, if_true, if_false = policy["Fn::If"]
                resource[attribute] = if_true if conditions[name] else if_false
    sam["Transform"] = [t for t in sam["Transform"] if t != "AWS::LanguageExtensions"]
    return sam


def translate(template: dict, image_uris: dict | None = None, **parameters) -> dict:
    pytest.importorskip("samtranslator")
    import boto3
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    sam = apply_language_extensions(template, {**defaults(template), **{k: str(v) for k, v in parameters.items()}})
    for name, uri in (image_uris or BUILT_IMAGE_URIS).items():
        sam["Resources"][name]["Properties"]["ImageUri"] = uri
    translator = Translator(
        managed_policy_map=None,
        sam_parser=Parser(),
        boto_session=boto3.session.Session(region_name="us-east-1"),
    )
    return translator.translate(sam, parameter_values=parameters, get_managed_policy_map=lambda: {})


@pytest.fixture(scope="module")
def template() -> dict:
    return load_template()


@pytest.fixture(scope="module")
def transformed(template) -> dict:
    return translate(template)


def resources_of_type(cfn: dict, resource_type: str) -> dict:
    return {k: v for k, v in cfn["Resources"].items() if v["Type"] == resource_type}


def _as_list(value):
    return value if isinstance(value, list) else [value]


# --- source template -------------------------------------------------------------------------


def test_parameters(template):
    params = template["Parameters"]
    for name in (
        "Stage",
        "Architecture",
        "ReservedConcurrency",
        "ModelProvider",
        "BedrockModelId",
        "BedrockRoutingModelId",
        "BedrockImageModelId",
        "BedrockImageRegion",
        "CreateNatGateway",
        "JwtIssuer",
        "JwtAudience",
        "ThrottlingBurstLimit",
        "ThrottlingRateLimit",
        "CorsAllowOrigins",
        "ExistingVpcId",
        "ExistingPrivateSubnetIds",
        "DatabaseName",
        "DeletionProtection",
        "DatabaseSnapshotOnDelete",
        "LogRetentionDays",
        "MigrationRunId",
    ):
        assert name in params, name
    assert params["ModelProvider"]["AllowedValues"] == ["bedrock", "offline"]
    assert params["ModelProvider"]["Default"] == "bedrock"
    assert params["Architecture"]["Default"] == "x86_64"
    assert set(params["Architecture"]["AllowedValues"]) == {"x86_64", "arm64"}
    assert params["BedrockImageModelId"]["Default"] == DEFAULT_IMAGE_MODEL_ID
    # The image model is called in the stack's region unless told; no NAT unless asked for.
    assert params["BedrockImageRegion"]["Default"] == "" and params["CreateNatGateway"]["Default"] == "false"
    # Empty defaults switch to the resources the stack creates: user pool, VPC.
    assert params["JwtIssuer"]["Default"] == "" and params["ExistingVpcId"]["Default"] == ""
    assert params["ExistingPrivateSubnetIds"]["Type"] == params["JwtAudience"]["Type"] == "CommaDelimitedList"
    # Subscribe to any Marketplace product unless the models' product ids are given.
    assert params["BedrockMarketplaceProductIds"]["Type"] == "CommaDelimitedList"
    assert params["BedrockMarketplaceProductIds"]["Default"] == ""
    # No parameter carries a database address or secret: they come from the resources.
    assert not {"DatabaseSecretArn", "DatabaseHost", "DatabasePort"} & set(params)
    # Protected by default; samconfig's dev stage turns it off.
    assert params["DeletionProtection"]["Default"] == "true"


@pytest.mark.parametrize(
    ("parameter", "variable", "default"),
    [
        ("BedrockModelId", "BEDROCK_MODEL_ID", DEFAULT_MODEL_ID),
        ("BedrockRoutingModelId", "BEDROCK_ROUTING_MODEL_ID", DEFAULT_ROUTING_MODEL_ID),
        ("BedrockImageModelId", "BEDROCK_IMAGE_MODEL_ID", DEFAULT_IMAGE_MODEL_ID),
        ("BedrockEmbeddingModelId", "BEDROCK_EMBEDDING_MODEL_ID", DEFAULT_EMBEDDING_MODEL_ID),
    ],
)
def test_model_ids_reach_the_function_exactly_as_given(template, parameter, variable, default):
    param = template["Parameters"][parameter]
    assert param["Default"] == default
    assert re.fullmatch(param["AllowedPattern"], default)
    env = template["Resources"]["DiaryFunction"]["Properties"]["Environment"]["Variables"]
    # Passed through untouched: no Sub/Split that could drop a "us." prefix.
    assert env[variable] == {"Ref": parameter}
    from handler.settings import Settings

    # The template's defaults are the function's own.
    assert Settings.model_fields[variable.lower()].default == default


@pytest.mark.parametrize(
    ("model_id", "accepted"),
    [
        ("stability.stable-image-core-v1:1", True),
        ("stability.stable-image-ultra-v1:1", True),
        ("stability.sd3-5-large-v1:0", True),
        ("us.stability.stable-image-core-v1:1", True),
        ("amazon.nova-canvas-v1:0", True),
        ("amazon.titan-image-generator-v2:0", False),
        ("stability.stable-image-inpaint-v1:0", False),
        ("anthropic.claude-sonnet-4-6", False),
    ],
)
def test_image_model_parameter_accepts_what_the_function_can_draw_with(template, model_id, accepted):
    """The template refuses at deploy what the function would refuse at start: one list, two checks."""
    from handler.settings import image_format_of

    pattern = template["Parameters"]["BedrockImageModelId"]["AllowedPattern"]
    assert bool(re.fullmatch(pattern, model_id)) is accepted
    assert (image_format_of(model_id) is not None) is accepted


def test_functions_are_one_image_built_by_sam(template):
    diary = template["Resources"]["DiaryFunction"]
    migration = template["Resources"]["MigrationFunction"]
    check = template["Resources"]["ModelCheckFunction"]
    prune = template["Resources"]["VersionPruneFunction"]
    for fn in (diary, migration, check, prune):
        props = fn["Properties"]
        assert props["PackageType"] == "Image"
        assert {k: fn["Metadata"][k] for k in ("Dockerfile", "DockerContext")} == {
            "Dockerfile": "Dockerfile",
            "DockerContext": ".",
        }
        # ImageUri is written by `sam build`.
        assert "ImageUri" not in props
        assert props["Architectures"] == [{"Ref": "Architecture"}]
    # Separate tags, so that an immutable repository accepts every push of a deploy.
    assert diary["Metadata"]["DockerTag"] == "python3.11-v1"
    assert migration["Metadata"]["DockerTag"] == "python3.11-v1-migrate"
    assert check["Metadata"]["DockerTag"] == "python3.11-v1-modelcheck"
    assert prune["Metadata"]["DockerTag"] == "python3.11-v1-prune"
    # The API function keeps the Dockerfile's CMD; the deploy hooks swap in their own.
    assert "ImageConfig" not in diary["Properties"]
    assert migration["Properties"]["ImageConfig"] == {"Command": ["handler.deploy_hooks.migrate_on_deploy"]}
    assert check["Properties"]["ImageConfig"] == {"Command": ["handler.deploy_hooks.check_models_on_deploy"]}
    assert prune["Properties"]["ImageConfig"] == {"Command": ["handler.deploy_hooks.prune_versions_on_deploy"]}
    props = diary["Properties"]
    assert props["MemorySize"] == 1024
    assert props["Timeout"] == 29  # under API Gateway's 30 s integration limit


def test_function_environment_comes_from_the_resources(template):
    env = template["Resources"]["DiaryFunction"]["Properties"]["Environment"]["Variables"]
    assert env == {
        "DB_SECRET_ARN": {"Fn::GetAtt": ["Database", "MasterUserSecret.SecretArn"]},
        "DB_HOST": {"Fn::GetAtt": ["DatabaseProxy", "Endpoint"]},
        "DB_PORT": {"Fn::GetAtt": ["Database", "Endpoint.Port"]},
        "DB_NAME": {"Ref": "DatabaseName"},
        "MODEL_PROVIDER": {"Ref": "ModelProvider"},
        "BEDROCK_MODEL_ID": {"Ref": "BedrockModelId"},
        "BEDROCK_ROUTING_MODEL_ID": {"Ref": "BedrockRoutingModelId"},
        "BEDROCK_EMBEDDING_MODEL_ID": {"Ref": "BedrockEmbeddingModelId"},
        "BEDROCK_IMAGE_MODEL_ID": {"Ref": "BedrockImageModelId"},
        "BEDROCK_IMAGE_REGION": {"Fn::If": ["HasImageRegion", {"Ref": "BedrockImageRegion"}, {"Ref": "AWS::Region"}]},
        "IMAGE_BUCKET": {"Ref": "ImageBucket"},
        "REPORT_QUEUE_URL": {"Ref": "ReportQueue"},
        "EXPORT_RETENTION_DAYS": {"Ref": "ExportRetentionDays"},
        "REPORT_MAX_RECEIVES": {"Ref": "ReportMaxReceives"},
        "DEFAULT_TIMEZONE": {"Ref": "DefaultTimezone"},
        "MODEL_CALLS_PER_DAY": {"Ref": "DailyModelCalls"},
        "PICTURES_PER_DAY": {"Ref": "DailyPictures"},
        "MODEL_TOKENS_PER_DAY": {"Ref": "DailyModelTokens"},
        "RATE_LIMIT_REQUESTS": {"Ref": "RateLimitRequests"},
        "RATE_LIMIT_WINDOW_S": {"Ref": "RateLimitWindowSeconds"},
        # The stack's own generated key, resolved at deploy time: never a value in the template.
        "CALLER_ID_SALT": {"Fn::Sub": "{{resolve:secretsmanager:${CallerIdSalt}:SecretString}}"},
        "POWERTOOLS_SERVICE_NAME": "diary",
        "POWERTOOLS_METRICS_NAMESPACE": "Diary",
        "LOG_LEVEL": {"Ref": "LogLevel"},
        # Empty in AWS; declared so `sam local invoke --env-vars` may set them.
        "DATABASE_URL": "",
        "ALLOW_USER_ID_HEADER": "false",
    }
    # The database's name is one parameter for both the instance and the function.
    assert template["Resources"]["Database"]["Properties"]["DBName"] == env["DB_NAME"]
    # The function marks a report failed on the delivery that sends it to the dead-letter queue.
    redrive = template["Resources"]["ReportQueue"]["Properties"]["RedrivePolicy"]
    assert redrive["maxReceiveCount"] == env["REPORT_MAX_RECEIVES"]
    migration = template["Resources"]["MigrationFunction"]["Properties"]["Environment"]["Variables"]
    for name in ("DB_SECRET_ARN", "DB_HOST", "DB_PORT", "DB_NAME", "DATABASE_URL"):
        assert migration[name] == env[name], name


def test_every_setting_the_function_reads_exists():
    """Each variable the template sets is a setting the code reads (or Powertools' own)."""
    from handler.settings import Settings

    template = load_template()
    known = {name.upper() for name in Settings.model_fields} | {
        "POWERTOOLS_SERVICE_NAME",
        "POWERTOOLS_METRICS_NAMESPACE",
        "LOG_LEVEL",
    }
    for name in ("DiaryFunction", "MigrationFunction", "ModelCheckFunction"):
        assert set(template["Resources"][name]["Properties"]["Environment"]["Variables"]) <= known, name


def test_log_groups_have_retention_and_belong_to_their_function(template):
    resources = template["Resources"]
    for fn, group in (
        ("DiaryFunction", "DiaryFunctionLogGroup"),
        ("MigrationFunction", "MigrationFunctionLogGroup"),
        ("ModelCheckFunction", "ModelCheckFunctionLogGroup"),
        ("VersionPruneFunction", "VersionPruneFunctionLogGroup"),
    ):
        assert resources[group]["Type"] == "AWS::Logs::LogGroup"
        assert resources[group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
        assert resources[fn]["Properties"]["LoggingConfig"]["LogGroup"] == {"Ref": group}
    assert resources["ApiAccessLogGroup"]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_every_function_logs_json_at_the_log_level_parameter(template):
    """Lambda's default log format is Text, under which the runtime drops the standard logging
    module's INFO lines; with JSON nothing depends on that default, and Lambda filters each line by
    its level, the LogLevel parameter's (monitoring-cloudwatchlogs-advanced.html)."""
    functions = {
        name: resource
        for name, resource in template["Resources"].items()
        if resource["Type"] in ("AWS::Serverless::Function", "AWS::Lambda::Function")
    }
    assert functions
    for name, function in functions.items():
        config = function["Properties"].get("LoggingConfig", {})
        assert config.get("LogFormat") == "JSON", name
        assert config.get("ApplicationLogLevel") == {"Ref": "LogLevel"}, name
        # INFO or more: Lambda's START and REPORT lines (duration, memory, init) are kept.
        assert config.get("SystemLogLevel") in ("DEBUG", "INFO"), name
    # Each level is one Lambda takes (API LoggingConfig) and Python's logging too (LOG_LEVEL, locally).
    for level in template["Parameters"]["LogLevel"]["AllowedValues"]:
        assert level in ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"), level
        assert isinstance(logging.getLevelName(level), int), level


def test_functions_run_in_the_private_subnets(template):
    subnets = {
        "Fn::If": [
            "CreateVpc",
            [{"Ref": "PrivateSubnetA"}, {"Ref": "PrivateSubnetB"}],
            {"Ref": "ExistingPrivateSubnetIds"},
        ]
    }
    resources = template["Resources"]
    for name in ("DiaryFunction", "MigrationFunction"):
        vpc = resources[name]["Properties"]["VpcConfig"]
        assert vpc == {"SubnetIds": subnets, "SecurityGroupIds": [{"Ref": "FunctionSecurityGroup"}]}
    assert resources["DatabaseSubnetGroup"]["Properties"]["SubnetIds"] == subnets
    assert resources["DatabaseProxy"]["Properties"]["VpcSubnetIds"] == subnets
    # The created subnets never hand out public addresses and, unless CreateNatGateway, route
    # nowhere outside the VPC.
    for name in ("PrivateSubnetA", "PrivateSubnetB", "PublicSubnet"):
        assert resources[name]["Properties"]["MapPublicIpOnLaunch"] is False
    for kind in ("AWS::EC2::Route", "AWS::EC2::InternetGateway", "AWS::EC2::NatGateway", "AWS::EC2::EIP"):
        for name, resource in resources_of_type(template, kind).items():
            assert resource["Condition"] == "UseNatGateway", name
    assert condition_values(template, defaults(template))["UseNatGateway"] is False
    with_nat = condition_values(template, {**defaults(template), "CreateNatGateway": "true"})
    assert with_nat["UseNatGateway"] is True
    # An existing VPC brings its own routes: no NAT gateway of ours beside them.
    existing = {**defaults(template), "CreateNatGateway": "true", "ExistingVpcId": "vpc-0abc"}
    assert condition_values(template, existing)["UseNatGateway"] is False
    (private_default,) = [
        r for r in resources_of_type(template, "AWS::EC2::Route").values() if "NatGatewayId" in r["Properties"]
    ]
    assert private_default["Properties"]["RouteTableId"] == {"Ref": "PrivateRouteTable"}
    # The model check runs outside the VPC, where Bedrock's control plane needs no endpoint.
    assert "VpcConfig" not in resources["ModelCheckFunction"]["Properties"]


@pytest.mark.parametrize("given", [["us-east-1c", "us-east-1d"], ["us-east-1c", "us-east-1d", "us-east-1e"]])
def test_subnet_zones_can_be_chosen(template, given):
    for index, name in enumerate(("PrivateSubnetA", "PrivateSubnetB")):
        condition, first_two, chosen = template["Resources"][name]["Properties"]["AvailabilityZone"]["Fn::If"]
        assert condition == "FirstTwoAzs"
        assert first_two == {"Fn::Select": [index, {"Fn::GetAZs": ""}]}
        assert evaluate(chosen, {"AvailabilityZones": given}) == given[index]
        # Still a valid index with the default (the branch is not taken, but is resolved).
        assert evaluate(chosen, {"AvailabilityZones": [""]}) == ""
    assert condition_values(template, defaults(template))["FirstTwoAzs"] is True


def test_vpc_endpoints_cover_what_the_function_calls(template):
    endpoints = resources_of_type(template, "AWS::EC2::VPCEndpoint")
    services = {
        e["Properties"]["ServiceName"]["Fn::Sub"].rsplit(".", 1)[1]: e["Properties"] for e in endpoints.values()
    }
    assert set(services) == {"s3", "bedrock-runtime", "secretsmanager", "sqs"}
    assert services["s3"]["VpcEndpointType"] == "Gateway"
    for name in ("bedrock-runtime", "secretsmanager", "sqs"):
        assert services[name]["VpcEndpointType"] == "Interface"
        assert services[name]["PrivateDnsEnabled"] is True
    for endpoint in endpoints.values():
        assert endpoint["Condition"] == "CreateVpc"
    # The S3 endpoint admits the images bucket and the custom-resource response bucket, no more.
    env = {**PSEUDO, "AWS::Region": "ap-northeast-2"}
    statements = services["s3"]["PolicyDocument"]["Statement"]
    assert [evaluate(s["Resource"], env) for s in statements] == [
        "arn:aws:s3:::diary-dev-imagebucket-1a2b3c/*",
        "arn:aws:s3:::diary-dev-imagebucket-1a2b3c",
        "arn:aws:s3:::cloudformation-custom-resource-response-apnortheast2/*",
    ]
    # Through the endpoint, the function's role can do what it does to the bucket: no more.
    assert statements[1]["Action"] == "s3:ListBucketVersions"


def test_only_the_functions_reach_the_proxy_and_only_the_proxy_the_database(template):
    resources = template["Resources"]

    def ingress(group):
        inline = resources[group]["Properties"].get("SecurityGroupIngress", [])
        separate = [
            r["Properties"]
            for r in resources_of_type(template, "AWS::EC2::SecurityGroupIngress").values()
            if r["Properties"]["GroupId"] == {"Ref": group}
        ]
        return inline + separate

    (proxy_in,) = ingress("ProxySecurityGroup")
    assert proxy_in["SourceSecurityGroupId"] == {"Ref": "FunctionSecurityGroup"}
    assert (proxy_in["FromPort"], proxy_in["ToPort"]) == (5432, 5432)
    (db_in,) = ingress("DatabaseSecurityGroup")
    assert db_in["SourceSecurityGroupId"] == {"Ref": "ProxySecurityGroup"}
    assert (db_in["FromPort"], db_in["ToPort"]) == (5432, 5432)
    assert resources["Database"]["Properties"]["VPCSecurityGroups"] == [
        {"Fn::GetAtt": ["DatabaseSecurityGroup", "GroupId"]}
    ]
    assert resources["DatabaseProxy"]["Properties"]["VpcSecurityGroupIds"] == [{"Ref": "ProxySecurityGroup"}]
    # No rule anywhere lets the internet in.
    for rule in [*ingress("FunctionSecurityGroup"), *ingress("EndpointSecurityGroup"), proxy_in, db_in]:
        assert "CidrIp" not in rule
    # The proxy talks only to the database; the database and the endpoints talk to nobody.
    (proxy_out,) = resources["ProxySecurityGroup"]["Properties"]["SecurityGroupEgress"]
    assert proxy_out["DestinationSecurityGroupId"] == {"Ref": "DatabaseSecurityGroup"}
    for group in ("DatabaseSecurityGroup", "EndpointSecurityGroup"):
        (rule,) = resources[group]["Properties"]["SecurityGroupEgress"]
        assert rule["CidrIp"] == "127.0.0.1/32"


def test_database_is_private_encrypted_with_a_managed_secret(template):
    db = template["Resources"]["Database"]
    props = db["Properties"]
    assert props["Engine"] == "postgres"
    assert props["PubliclyAccessible"] is False
    assert props["StorageEncrypted"] is True
    assert props["ManageMasterUserPassword"] is True
    assert "MasterUserPassword" not in props
    assert props["DeletionProtection"] == {"Fn::If": ["ProtectData", True, False]}
    assert db["DeletionPolicy"] == {"Fn::If": ["SnapshotDatabaseOnDelete", "Snapshot", "Delete"]}
    assert template["Transform"][0] == "AWS::LanguageExtensions"


def test_proxy_requires_tls_and_uses_the_database_secret(template):
    resources = template["Resources"]
    proxy = resources["DatabaseProxy"]["Properties"]
    assert proxy["EngineFamily"] == "POSTGRESQL"
    assert proxy["RequireTLS"] is True
    assert proxy["DebugLogging"] is False
    (auth,) = proxy["Auth"]
    assert auth["AuthScheme"] == "SECRETS"
    assert auth["SecretArn"] == {"Fn::GetAtt": ["Database", "MasterUserSecret.SecretArn"]}
    target = resources["DatabaseProxyTargetGroup"]["Properties"]
    assert target["DBProxyName"] == {"Ref": "DatabaseProxy"}
    assert target["DBInstanceIdentifiers"] == [{"Ref": "Database"}]


def test_images_bucket_is_private_encrypted_versioned_and_tls_only(template):
    resources = template["Resources"]
    bucket = resources["ImageBucket"]["Properties"]
    assert (
        set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
        and len(bucket["PublicAccessBlockConfiguration"]) == 4
    )
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert bucket["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    (deny,) = resources["ImageBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_report_queue_has_a_dead_letter_queue(template):
    resources = template["Resources"]
    queue = resources["ReportQueue"]["Properties"]
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["ReportDeadLetterQueue", "Arn"]}
    assert queue["SqsManagedSseEnabled"] is True
    # At least the function's timeout, so a message in flight is not handed to a second worker.
    assert queue["VisibilityTimeout"] >= 6 * resources["DiaryFunction"]["Properties"]["Timeout"]
    assert resources["ReportDeadLetterQueue"]["Properties"]["MessageRetentionPeriod"] == 1209600


# Lambda counts a delivery it could not hand to a throttled function as a receive, and its guide
# says to set maxReceiveCount to at least 5 ("Using Lambda with Amazon SQS",
# https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html).
LAMBDA_MIN_RECEIVES = 5


def test_jobs_get_the_deliveries_lambda_recommends_before_the_dead_letter_queue(template):
    param = template["Parameters"]["ReportMaxReceives"]
    assert int(param["Default"]) >= LAMBDA_MIN_RECEIVES
    # A smaller value is refused at deploy time, not discovered as jobs in the dead-letter queue.
    assert param["MinValue"] == LAMBDA_MIN_RECEIVES
    assert "services-sqs-configure.html" in param["Description"]
    from handler.settings import Settings

    # The function marks a job failed on the delivery the queue's default sends to the dead-letter
    # queue: its own default is the template's, so a run without the variable agrees.
    assert Settings.model_fields["report_max_receives"].default == int(param["Default"])


def test_migrations_run_on_deploy_before_the_api_function(template):
    resources = template["Resources"]
    hook = resources["DatabaseMigration"]
    assert hook["Type"] == "Custom::DatabaseMigration"
    props = hook["Properties"]
    assert props["ServiceToken"] == {"Fn::GetAtt": ["MigrationFunction", "Arn"]}
    # A new image publishes a new version: the property changes and the migrations run again.
    assert props["FunctionVersion"] == {"Ref": "MigrationFunction.Version"}
    assert resources["MigrationFunction"]["Properties"]["AutoPublishAlias"]
    assert props["RunId"] == {"Ref": "MigrationRunId"}
    assert 0 < resources["MigrationFunction"]["Properties"]["Timeout"] < props["ServiceTimeout"]
    assert "DatabaseProxyTargetGroup" in hook["DependsOn"]
    # The API function is updated only after the schema is.
    assert "DatabaseMigration" in resources["DiaryFunction"]["DependsOn"]
    invoke_config = resources["MigrationFunctionInvokeConfig"]["Properties"]
    assert invoke_config == {
        "FunctionName": {"Ref": "MigrationFunction"},
        "Qualifier": "$LATEST",
        "MaximumRetryAttempts": 0,
    }
    # Statements of a migration may run longer than a request's, but end before the function does.
    env = resources["MigrationFunction"]["Properties"]["Environment"]["Variables"]
    assert int(env["DB_STATEMENT_TIMEOUT_MS"]) < resources["MigrationFunction"]["Properties"]["Timeout"] * 1000


def test_alarms_watch_the_dead_letter_queue_errors_and_throttles(template):
    alarms = resources_of_type(template, "AWS::CloudWatch::Alarm")
    watched = {(a["Properties"].get("Namespace"), a["Properties"].get("MetricName")) for a in alarms.values()}
    assert {
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
        ("AWS/Lambda", "Errors"),
        ("AWS/Lambda", "Throttles"),
    } <= watched
    # The account's Bedrock tokens per hour, summed over every model id by one Metrics Insights query.
    for name, metric, parameter in (
        ("BedrockInputTokensAlarm", "InputTokenCount", "BedrockInputTokensAlarmPerHour"),
        ("BedrockOutputTokensAlarm", "OutputTokenCount", "BedrockOutputTokensAlarmPerHour"),
    ):
        bedrock = alarms[name]["Properties"]
        (query,) = bedrock["Metrics"]
        assert query["Expression"] == f'SELECT SUM({metric}) FROM SCHEMA("AWS/Bedrock", ModelId)'
        # Metrics Insights alarms evaluate at most the last 3 hours.
        assert query["Period"] * bedrock["EvaluationPeriods"] <= 3 * 3600
        assert bedrock["Threshold"] == {"Ref": parameter}
        assert template["Parameters"][parameter]["Type"] == "Number"
    dlq = alarms["ReportDeadLetterAlarm"]["Properties"]
    assert dlq["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["ReportDeadLetterQueue", "QueueName"]}}]
    for alarm in alarms.values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_outputs(template):
    outputs = template["Outputs"]
    assert "execute-api" in outputs["ApiUrl"]["Value"]["Fn::Sub"]
    assert outputs["FunctionArn"]["Value"] == {"Fn::GetAtt": ["DiaryFunction", "Arn"]}
    assert outputs["UserPoolClientId"]["Condition"] == "CreateUserPool"
    # The secret's ARN, never its value.
    assert outputs["DatabaseSecretArn"]["Value"] == {"Fn::GetAtt": ["Database", "MasterUserSecret.SecretArn"]}


def test_every_sample_event_has_a_route(template):
    events = template["Resources"]["DiaryFunction"]["Properties"]["Events"]
    declared = {(e["Properties"]["Method"], e["Properties"]["Path"]) for e in events.values() if e["Type"] == "HttpApi"}
    assert declared == ROUTES
    for path in sorted((ROOT / "events" / "http-api").glob("*.json")):
        method, route = json.loads(path.read_text(encoding="utf-8"))["routeKey"].split(" ", 1)
        assert (method, route) in declared, path.name


@pytest.mark.parametrize("name", ["local-env.json", "local-env-start-api.json"])
def test_local_env_file_names_only_declared_variables(template, name):
    """`sam local --env-vars` sets only variables the template declares (SAM ignores the rest)."""
    local = json.loads((ROOT / "events" / name).read_text(encoding="utf-8"))
    declared = template["Resources"]["DiaryFunction"]["Properties"]["Environment"]["Variables"]
    assert set(local["DiaryFunction"]) <= set(declared)


def test_samconfig():
    config = tomllib.loads(SAMCONFIG.read_text(encoding="utf-8"))
    assert config["version"] == 0.1
    assert config["default"]["validate"]["parameters"]["lint"] is True

    def overrides(env, command="deploy"):
        return dict(item.split("=", 1) for item in config[env][command]["parameters"]["parameter_overrides"].split())

    params = load_template()["Parameters"]
    ecr_params = load_template(ECR_TEMPLATE)["Parameters"]
    stacks = set()
    for stage, ecr in (("default", "dev-ecr"), ("prod", "prod-ecr")):
        deploy = config[stage]["deploy"]["parameters"]
        # Global, so that deploy, delete, logs and list stack-outputs all find the stack.
        for env in (stage, ecr):
            stacks.add(config[env]["global"]["parameters"]["stack_name"])
            # Where every default model is served (README, "Models").
            assert config[env]["global"]["parameters"]["region"] == "us-west-2"
        assert deploy["capabilities"].split() == ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]
        assert deploy["confirm_changeset"] is True
        assert deploy["resolve_s3"] is True  # the template is over CloudFormation's inline size
        # The image goes to the bootstrap stack's repository, not a SAM-managed one.
        assert "resolve_image_repos" not in deploy
        assert set(overrides(stage)) <= set(params)
        # `sam build` builds for the architecture `sam deploy` declares.
        assert overrides(stage, "build")["Architecture"] == overrides(stage)["Architecture"]
        assert config[stage]["build"]["parameters"]["use_buildkit"] is True
        bootstrap = config[ecr]["deploy"]["parameters"]
        assert bootstrap["template_file"] == ECR_TEMPLATE.name
        assert set(overrides(ecr)) <= set(ecr_params)
        assert overrides(ecr)["Stage"] == overrides(stage)["Stage"]
    assert len(stacks) == 4
    assert overrides("prod")["DeletionProtection"] == "true"
    assert overrides("prod-ecr")["ImageTagMutability"] == "IMMUTABLE"


# --- the ECR bootstrap stack -----------------------------------------------------------------


def test_ecr_repository_scans_keeps_tags_and_expires_old_images():
    ecr = load_template(ECR_TEMPLATE)
    (repo,) = resources_of_type(ecr, "AWS::ECR::Repository").values()
    props = repo["Properties"]
    assert props["ImageScanningConfiguration"] == {"ScanOnPush": True}
    assert props["ImageTagMutability"] == {"Ref": "ImageTagMutability"}
    assert ecr["Parameters"]["ImageTagMutability"]["Default"] == "IMMUTABLE"
    text = props["LifecyclePolicy"]["LifecyclePolicyText"]["Fn::Sub"].replace("${KeepImages}", "10")
    rules = json.loads(text)["rules"]
    keep = [r for r in rules if r["selection"]["countType"] == "imageCountMoreThan"]
    assert keep and keep[0]["selection"]["countNumber"] == 10 and keep[0]["action"]["type"] == "expire"
    # ECR requires the "any" rule to come last.
    assert rules[-1]["selection"]["tagStatus"] == "any"
    assert "RepositoryUri" in ecr["Outputs"]


# --- after the SAM transform -----------------------------------------------------------------


def test_transformed_functions_are_images(transformed):
    functions = resources_of_type(transformed, "AWS::Lambda::Function")
    assert set(functions) == set(BUILT_IMAGE_URIS)
    for name, fn in functions.items():
        assert fn["Properties"]["PackageType"] == "Image"
        assert fn["Properties"]["Code"] == {"ImageUri": BUILT_IMAGE_URIS[name]}
        assert fn["Properties"]["Role"] == {"Fn::GetAtt": [f"{name}Role", "Arn"]}
    assert set(functions["DiaryFunction"]["DependsOn"]) == {"DatabaseMigration", "ModelLifecycleCheck"}


def _operations(transformed):
    (api,) = resources_of_type(transformed, "AWS::ApiGatewayV2::Api").values()
    body = api["Properties"]["Body"]
    for path, methods in body["paths"].items():
        for method, operation in methods.items():
            yield method.upper(), path, operation


def test_one_api_route_per_endpoint(transformed):
    operations = list(_operations(transformed))
    assert sorted((m, p) for m, p, _ in operations) == sorted(ROUTES)
    for _, _, operation in operations:
        integration = operation["x-amazon-apigateway-integration"]
        assert integration["type"] == "aws_proxy"
        # Payload 2.0: the authorizer's claims arrive at requestContext.authorizer.jwt.claims.
        assert integration["payloadFormatVersion"] == "2.0"
        # The published alias (SnapStart restores published versions), never $LATEST.
        assert "${DiaryFunctionAliaslive}" in integration["uri"]["Fn::Sub"]
    permissions = resources_of_type(transformed, "AWS::Lambda::Permission")
    assert len(permissions) == len(ROUTES)
    assert all(p["Properties"]["FunctionName"] == {"Ref": "DiaryFunctionAliaslive"} for p in permissions.values())


def test_jwt_authorizer_on_every_route_but_health_and_openapi(transformed):
    (api,) = resources_of_type(transformed, "AWS::ApiGatewayV2::Api").values()
    schemes = api["Properties"]["Body"]["components"]["securitySchemes"]
    assert list(schemes) == ["JwtAuthorizer"]
    authorizer = schemes["JwtAuthorizer"]["x-amazon-apigateway-authorizer"]
    assert authorizer["type"] == "jwt"
    assert authorizer["identitySource"] == "$request.header.Authorization"
    # The stack's own user pool and client, or the issuer and audiences given as parameters.
    assert authorizer["jwtConfiguration"] == {
        "issuer": {
            "Fn::If": [
                "CreateUserPool",
                {"Fn::Sub": "https://cognito-idp.${AWS::Region}.${AWS::URLSuffix}/${UserPool}"},
                {"Ref": "JwtIssuer"},
            ]
        },
        "audience": {"Fn::If": ["CreateUserPool", [{"Ref": "UserPoolClient"}], {"Ref": "JwtAudience"}]},
    }
    for method, path, operation in _operations(transformed):
        if (method, path) in PUBLIC_ROUTES:
            assert operation["security"] == [{"NONE": []}], (method, path)
        else:
            assert operation["security"] == [{"JwtAuthorizer": []}], (method, path)


def test_api_stage_throttles_and_logs(transformed):
    (stage,) = resources_of_type(transformed, "AWS::ApiGatewayV2::Stage").values()
    props = stage["Properties"]
    assert props["DefaultRouteSettings"] == {
        "ThrottlingBurstLimit": {"Ref": "ThrottlingBurstLimit"},
        "ThrottlingRateLimit": {"Ref": "ThrottlingRateLimit"},
    }
    assert props["AccessLogSettings"]["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    assert json.loads(props["AccessLogSettings"]["Format"].replace("\n", ""))["requestId"] == "$context.requestId"


def test_cors_follows_the_parameter(template, transformed):
    def cors(cfn):
        (api,) = resources_of_type(cfn, "AWS::ApiGatewayV2::Api").values()
        return api["Properties"]["Body"]["x-amazon-apigateway-cors"]["Fn::If"]

    condition, configured, otherwise = cors(translate(template, CorsAllowOrigins=["https://app.example.com"]))
    assert condition == "HasCorsOrigins" and otherwise == {"Ref": "AWS::NoValue"}
    assert configured["allowOrigins"] == ["https://app.example.com"]
    assert {"authorization", "content-type", "idempotency-key"} <= set(configured["allowHeaders"])
    # A browser may send every method a route takes.
    assert {method for method, _ in ROUTES} | {"OPTIONS"} == set(configured["allowMethods"])
    # A page reads only CORS-safelisted response headers unless they are exposed: the 202 of
    # GET /me/export says where to poll in Location, a 503 or 409 when to retry in Retry-After,
    # a 405 what the path takes in Allow (handler/api/me_routes.py, errors.py).
    assert {"location", "retry-after", "allow"} <= {h.lower() for h in configured["exposeHeaders"]}
    # Empty by default: the condition is false and the API has no CORS configuration.
    assert condition_values(template, defaults(template))["HasCorsOrigins"] is False


@pytest.mark.parametrize(
    "origins", [["https://app.example.com"], ["https://app.example.com", "http://localhost:5173"]], ids=len
)
def test_images_bucket_answers_the_browser_origins_of_the_api(template, origins):
    """A page fetch()es a picture's or an export's presigned URL: S3 answers it cross-origin only
    when a CORS rule of the bucket matches (S3 API, CORSRule; common response headers)."""
    cors = template["Resources"]["ImageBucket"]["Properties"]["CorsConfiguration"]
    env = {**defaults(template), "AWS::NoValue": None}
    (rule,) = evaluate(cors, {**env, "CorsAllowOrigins": origins})["CorsRules"]
    assert evaluate(rule["AllowedOrigins"], {**env, "CorsAllowOrigins": origins}) == origins
    # The function presigns only get_object (handler/aws/object_store.py): reading, no uploads.
    assert set(rule["AllowedMethods"]) == {"GET", "HEAD"}
    assert {"etag", "content-length"} <= {h.lower() for h in rule["ExposedHeaders"]}
    # No browser origins (the default): no CORS rule at all, so no page anywhere may read the bucket.
    assert evaluate(cors, env) is None


def test_report_worker_reports_partial_batch_failures(transformed):
    (mapping,) = resources_of_type(transformed, "AWS::Lambda::EventSourceMapping").values()
    props = mapping["Properties"]
    assert props["FunctionName"] == {"Ref": "DiaryFunctionAliaslive"}
    assert props["EventSourceArn"] == {"Fn::GetAtt": ["ReportQueue", "Arn"]}
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["ScalingConfig"] == {"MaximumConcurrency": {"Ref": "WorkerMaxConcurrency"}}


def test_migration_resource_names_the_published_version(transformed):
    def version_of(cfn: dict, function: str) -> str:
        (name,) = [
            name
            for name, version in resources_of_type(cfn, "AWS::Lambda::Version").items()
            if version["Properties"]["FunctionName"] == {"Ref": function}
        ]
        return name

    resources = transformed["Resources"]
    for hook, function in (("DatabaseMigration", "MigrationFunction"), ("ModelLifecycleCheck", "ModelCheckFunction")):
        version = version_of(transformed, function)
        props = resources[hook]["Properties"]
        assert props["FunctionVersion"] == {"Ref": version}
        assert props["ServiceToken"] == {"Fn::GetAtt": [function, "Arn"]}
        # The same image again: the same version; a new image: a new version resource, hence a
        # changed property and a new run (and a rollback is told by its older version).
        assert version_of(translate(load_template()), function) == version
        rebuilt = translate(load_template(), {**BUILT_IMAGE_URIS, function: f"{function.lower()}:python3.11-v2"})
        new_version = version_of(rebuilt, function)
        assert new_version != version
        assert rebuilt["Resources"][hook]["Properties"]["FunctionVersion"] == {"Ref": new_version}


def test_database_policies_follow_the_parameter(template):
    for value, policy in (("true", "Snapshot"), ("false", "Delete")):
        cfn = translate(template, DatabaseSnapshotOnDelete=value)
        database = cfn["Resources"]["Database"]
        assert database["DeletionPolicy"] == database["UpdateReplacePolicy"] == policy
    assert template["Resources"]["ImageBucket"]["DeletionPolicy"] == "Retain"


# --- IAM ---------------------------------------------------------------------------------------


def _statements(transformed, role=None):
    for name, resource in resources_of_type(transformed, "AWS::IAM::Role").items():
        if role and name != role:
            continue
        for policy in resource["Properties"].get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                yield name, statement
    for policy_type in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        for name, policy in resources_of_type(transformed, policy_type).items():
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                yield name, statement


def test_roles_are_least_privilege(transformed):
    roles = resources_of_type(transformed, "AWS::IAM::Role")
    assert set(roles) == set(ROLE_ACTIONS)
    assert not resources_of_type(transformed, "AWS::IAM::Policy")
    assert not resources_of_type(transformed, "AWS::IAM::ManagedPolicy")
    for name, role in roles.items():
        # No managed policy: SAM's defaults grant logs on "*" and every queue.
        assert "ManagedPolicyArns" not in role["Properties"], name
        actions = set()
        for _, statement in _statements(transformed, name):
            assert statement["Effect"] == "Allow"
            for action in _as_list(statement["Action"]):
                assert "*" not in action, action
                actions.add(action)
            if "*" in _as_list(statement["Resource"]):
                assert set(_as_list(statement["Action"])) <= NO_RESOURCE_TYPE_ACTIONS, statement
        assert actions == ROLE_ACTIONS[name], name


def test_actions_granted_on_every_resource_have_no_resource_type():
    # cfn-lint's copy of the Service Authorization Reference: an action with a resource type there
    # could be held to ARNs, so "*" would grant more than needed.
    cfnlint = pytest.importorskip("cfnlint")
    policies = json.loads((Path(cfnlint.__file__).parent / "data/AdditionalSpecs/Policies.json").read_text())
    for action in NO_RESOURCE_TYPE_ACTIONS:
        service, name = action.split(":")
        assert policies[service]["Actions"][name.lower()].get("Resources", []) == [], action


@pytest.mark.parametrize("product_ids", [[], ["prod-eacdrmv7zfc5e", "prod-xdkflymybwmvi"]])
def test_the_function_may_subscribe_to_the_configured_products_only_when_they_are_named(
    template, transformed, product_ids
):
    env = {**defaults(template), **PSEUDO, "BedrockMarketplaceProductIds": product_ids or "", "AWS::NoValue": None}
    granted = {
        action: statement
        for _, statement in _statements(transformed, "DiaryFunctionRole")
        for action in _as_list(statement["Action"])
        if action in MARKETPLACE_ACTIONS
    }
    assert set(granted) == MARKETPLACE_ACTIONS
    assert all(evaluate(s["Resource"], env) == "*" for s in granted.values())
    # Viewing takes no condition; Subscribe is the one action aws-marketplace:ProductId applies to.
    assert "Condition" not in granted["aws-marketplace:ViewSubscriptions"]
    condition = evaluate(granted["aws-marketplace:Subscribe"].get("Condition"), env)
    if product_ids:
        # As Bedrock's examples write it (model-access.html, "Prevent an identity from requesting access").
        ((operator, keys),) = condition.items()
        assert operator == "ForAnyValue:StringEquals" and list(keys) == ["aws-marketplace:ProductId"]
        assert evaluate(keys["aws-marketplace:ProductId"], env) == product_ids
    else:
        # Without the ids, any product: held to none, the first call of a Claude model would fail.
        assert condition is None, condition
    for role in ("MigrationFunctionRole", "DatabaseProxyRole", "ModelCheckFunctionRole"):
        assert not any(
            a.startswith("aws-marketplace:") for _, s in _statements(transformed, role) for a in _as_list(s["Action"])
        ), role


def _resources_for(transformed, action, env, role="DiaryFunctionRole"):
    found = []
    for _, statement in _statements(transformed, role):
        if action in _as_list(statement["Action"]):
            found += [evaluate(r, env) for r in _as_list(statement["Resource"])]
    return found


def test_secret_access_is_limited_to_the_database_secret(transformed):
    for role in ("DiaryFunctionRole", "MigrationFunctionRole", "DatabaseProxyRole"):
        assert _resources_for(transformed, "secretsmanager:GetSecretValue", PSEUDO, role) == [SECRET], role


def test_s3_access_is_limited_to_the_users_prefix_of_the_bucket(transformed):
    for action in ("s3:PutObject", "s3:PutObjectTagging", "s3:GetObject", "s3:DeleteObject", "s3:DeleteObjectVersion"):
        assert _resources_for(transformed, action, PSEUDO) == ["arn:aws:s3:::diary-dev-imagebucket-1a2b3c/users/*"]
    [listing] = [
        statement
        for _, statement in _statements(transformed, "DiaryFunctionRole")
        if "s3:ListBucketVersions" in _as_list(statement["Action"])
    ]
    assert evaluate(listing["Resource"], PSEUDO) == "arn:aws:s3:::diary-dev-imagebucket-1a2b3c"
    assert listing["Condition"] == {"StringLike": {"s3:prefix": "users/*"}}


def test_exports_expire_from_the_bucket_as_the_function_says(template):
    rules = template["Resources"]["ImageBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    [exports] = [rule for rule in rules if rule["Id"] == "expire-exports"]
    assert exports["TagFilters"] == [{"Key": "kind", "Value": "export"}]  # handler.aws.object_store.EXPORT_TAG
    assert exports["ExpirationInDays"] == {"Ref": "ExportRetentionDays"}
    env = template["Resources"]["DiaryFunction"]["Properties"]["Environment"]["Variables"]
    assert env["EXPORT_RETENTION_DAYS"] == {"Ref": "ExportRetentionDays"}
    from handler.aws.object_store import EXPORT_TAG

    assert EXPORT_TAG == "kind=export"


def test_sqs_access_is_limited_to_the_report_queue(transformed):
    for action in ("sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"):
        assert _resources_for(transformed, action, PSEUDO) == [PSEUDO["ReportQueue.Arn"]], action


def test_network_interface_permissions_stay_in_the_account_and_region(transformed):
    for role in ("DiaryFunctionRole", "MigrationFunctionRole"):
        for action in ENI_ACTIONS:
            assert _resources_for(transformed, action, PSEUDO, role) == ["arn:aws:ec2:us-east-1:123456789012:*/*"]


def _granted_models(arns: list[str]) -> set[tuple[str, str, str]]:
    """(kind, region, id) of each Bedrock ARN: kind "foundation-model" or "inference-profile"."""
    found = set()
    for arn in arns:
        match = re.fullmatch(r"arn:aws:bedrock:([^:]*):(\d*):(foundation-model|inference-profile)/(.+)", arn)
        assert match, arn
        region, account, kind, model = match.groups()
        assert account == ("123456789012" if kind == "inference-profile" else ""), arn
        found.add((kind, region, model))
    return found


def _split_candidate(model_id: str) -> str:
    # What the template's Select/Split makes of an id: its 2nd and 3rd dotted parts.
    parts = f"{model_id}..".split(".")
    return f"{parts[1]}.{parts[2]}"


MODEL_CASES = [
    # writing, routing, image, image region ("" - the stack's), embedding
    (DEFAULT_MODEL_ID, DEFAULT_ROUTING_MODEL_ID, DEFAULT_IMAGE_MODEL_ID, "", DEFAULT_EMBEDDING_MODEL_ID),
    (
        "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "eu.amazon.nova-2-lite-v1:0",
        "stability.stable-image-ultra-v1:1",
        "us-west-2",
        "us.cohere.embed-v4:0",
    ),
    (
        "anthropic.claude-3-haiku-20240307-v1:0",
        "amazon.nova-micro-v1:0",
        "amazon.nova-canvas-v1:0",
        "",
        "cohere.embed-multilingual-v3",
    ),
]


@pytest.mark.parametrize(("writing", "routing", "image", "image_region", "embedding"), MODEL_CASES)
def test_bedrock_access_is_limited_to_the_configured_models(
    template, transformed, writing, routing, image, image_region, embedding
):
    env = {
        **defaults(template),
        **PSEUDO,
        "BedrockModelId": writing,
        "BedrockRoutingModelId": routing,
        "BedrockImageModelId": image,
        "BedrockImageRegion": image_region,
        "BedrockEmbeddingModelId": embedding,
    }
    granted = _granted_models(_resources_for(transformed, "bedrock:InvokeModel", env))
    wanted = set()
    called = [(writing, "us-east-1"), (routing, "us-east-1"), (embedding, "us-east-1")]
    called.append((image, image_region or "us-east-1"))
    for model_id, region in called:
        base = foundation_model_id(model_id)
        if base != model_id:
            # A profile: the profile where it is called, its model wherever the profile routes it.
            wanted |= {("inference-profile", region, model_id), ("foundation-model", "*", base)}
        else:
            # Text models may sit behind a profile the template cannot tell apart; the image model is
            # called directly in its region.
            wanted.add(("foundation-model", region if model_id == image else "*", model_id))
    assert wanted <= granted
    # Anything else granted is the other candidate of an id, which names nothing: a profile named
    # like a plain model id, a model named like a profile id, or a plain id's 2nd and 3rd parts.
    configured = {writing, routing, image, embedding}
    plain = {m for m in configured if foundation_model_id(m) == m}
    dead = {("inference-profile", m) for m in plain}
    dead |= {("foundation-model", m) for m in configured - plain}
    dead |= {("foundation-model", _split_candidate(m)) for m in plain}
    for kind, region, model in granted - wanted:
        assert (kind, model) in dead, (kind, region, model)
    for arn in _resources_for(transformed, "bedrock:InvokeModel", env):
        # Nothing wider than the models: the only wildcard is the serving region.
        assert arn.count("*") <= 1 and not arn.endswith("*"), arn
    # Nobody else may call a model.
    for role in ("MigrationFunctionRole", "DatabaseProxyRole", "ModelCheckFunctionRole"):
        assert not _resources_for(transformed, "bedrock:InvokeModel", env, role)


@pytest.mark.parametrize(("writing", "routing", "image", "image_region", "embedding"), MODEL_CASES)
def test_the_model_check_may_read_exactly_the_configured_models(
    template, transformed, writing, routing, image, image_region, embedding
):
    env = {
        **defaults(template),
        **PSEUDO,
        "BedrockModelId": writing,
        "BedrockRoutingModelId": routing,
        "BedrockImageModelId": image,
        "BedrockImageRegion": image_region,
        "BedrockEmbeddingModelId": embedding,
    }
    role = "ModelCheckFunctionRole"
    models = _granted_models(_resources_for(transformed, "bedrock:GetFoundationModel", env, role))
    profiles = _granted_models(_resources_for(transformed, "bedrock:GetInferenceProfile", env, role))
    check = template["Resources"]["ModelLifecycleCheck"]["Properties"]
    asked = [(m["Task"], evaluate(m["ModelId"], env), evaluate(m["Region"], env)) for m in check["Models"]]
    assert asked == [
        ("writing", writing, "us-east-1"),
        ("routing", routing, "us-east-1"),
        ("embedding", embedding, "us-east-1"),
        ("image", image, image_region or "us-east-1"),
    ]
    for _, model_id, region in asked:
        # What handler.model_lifecycle asks for each: the profile, and the model behind it, there.
        assert ("foundation-model", region, foundation_model_id(model_id)) in models
        if foundation_model_id(model_id) != model_id:
            assert ("inference-profile", region, model_id) in profiles
    assert {kind for kind, _, _ in models} == {"foundation-model"}
    assert {kind for kind, _, _ in profiles} == {"inference-profile"}
    # Whether the account may call them: an action with no resource type, so on "*".
    assert _resources_for(transformed, "bedrock:GetFoundationModelAvailability", env, role) == ["*"]
    # Nothing but reads: the check can never call a model, nor subscribe to one.
    for _, statement in _statements(transformed, role):
        assert not any(a.startswith(("bedrock:Invoke", "aws-marketplace:")) for a in _as_list(statement["Action"]))


def test_the_diary_function_waits_for_the_model_check(template):
    resources = template["Resources"]
    check = resources["ModelLifecycleCheck"]
    assert check["Type"] == "Custom::ModelLifecycleCheck"
    assert "ModelLifecycleCheck" in resources["DiaryFunction"]["DependsOn"]
    props = check["Properties"]
    assert props["ModelProvider"] == {"Ref": "ModelProvider"}
    assert props["FunctionVersion"] == {"Ref": "ModelCheckFunction.Version"}
    assert 0 < resources["ModelCheckFunction"]["Properties"]["Timeout"] < props["ServiceTimeout"]
    invoke_config = resources["ModelCheckFunctionInvokeConfig"]["Properties"]
    assert invoke_config == {
        "FunctionName": {"Ref": "ModelCheckFunction"},
        "Qualifier": "$LATEST",
        "MaximumRetryAttempts": 0,
    }
    # The check knows how the diary function leaves its subnets.
    for params, egress in (
        ({}, "endpoints"),
        ({"CreateNatGateway": "true"}, "nat"),
        ({"ExistingVpcId": "vpc-0abc"}, "existing-vpc"),
    ):
        assert evaluate(props["Egress"], {**defaults(template), **PSEUDO, **params}) == egress
    # The image model is named in the same region for the function and for the check.
    env = template["Resources"]["DiaryFunction"]["Properties"]["Environment"]["Variables"]
    (image,) = [m for m in props["Models"] if m["Task"] == "image"]
    assert image["Region"] == env["BEDROCK_IMAGE_REGION"]


def test_log_permissions_are_limited_to_each_functions_log_group(transformed):
    for role, group in (
        ("DiaryFunctionRole", "DiaryFunctionLogGroup"),
        ("MigrationFunctionRole", "MigrationFunctionLogGroup"),
        ("VersionPruneFunctionRole", "VersionPruneFunctionLogGroup"),
    ):
        for _, statement in _statements(transformed, role):
            if any(a.startswith("logs:") for a in _as_list(statement["Action"])):
                assert statement["Resource"] == {"Fn::GetAtt": [group, "Arn"]}


# --- cfn-lint ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [TEMPLATE, ECR_TEMPLATE], ids=lambda p: p.name)
def test_cfn_lint_reports_no_error_or_warning(path):
    pytest.importorskip("cfnlint")
    from cfnlint.api import ManualArgs, lint_file

    matches = lint_file(path, config=ManualArgs(regions=["us-east-1"]))
    problems = [m for m in matches if m.rule.id[0] in "EW"]
    assert not problems, "\n".join(str(m) for m in problems)


def test_the_embedding_backfill_is_a_scheduled_job_on_the_workers_queue(template, transformed):
    from handler.worker import BACKFILL

    schedule = template["Resources"]["EmbeddingBackfillSchedule"]["Properties"]
    assert schedule["ScheduleExpression"] == {"Ref": "EmbeddingBackfillRate"}
    assert schedule["Target"]["Arn"] == {"Fn::GetAtt": ["ReportQueue", "Arn"]}
    assert json.loads(schedule["Target"]["Input"]) == {"job": BACKFILL}
    # Off where no model is used; the role may only put messages on that queue.
    assert condition_values(template, {**defaults(template), "ModelProvider": "offline"})["UsesBedrock"] is False
    assert _resources_for(transformed, "sqs:SendMessage", PSEUDO, "EmbeddingBackfillSchedulerRole") == [
        PSEUDO["ReportQueue.Arn"]
    ]
    role = template["Resources"]["EmbeddingBackfillSchedulerRole"]["Properties"]["AssumeRolePolicyDocument"]
    (trust,) = role["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}


def test_snapstart_is_opt_in_and_the_routes_use_the_published_alias_either_way(template):
    """SnapStart is off by default: Lambda's SnapStart overview lists container images as
    unsupported while its container-image hooks page describes them (README "SnapStart"), and a
    version that fails to publish fails the first deploy. Either way the function publishes a
    version per change as the alias `live`, which the routes and the queue invoke
    (test_one_api_route_per_endpoint, test_report_worker_reports_partial_batch_failures)."""
    param = template["Parameters"]["SnapStart"]
    assert param["Default"] == "None"
    assert param["AllowedValues"] == ["None", "PublishedVersions"]
    for choice in param["AllowedValues"]:
        cfn = translate(template, SnapStart=choice)
        function = cfn["Resources"]["DiaryFunction"]["Properties"]
        assert function["SnapStart"] == {"ApplyOn": {"Ref": "SnapStart"}}
        aliases = resources_of_type(cfn, "AWS::Lambda::Alias")
        assert aliases["DiaryFunctionAliaslive"]["Properties"]["Name"] == "live"
        (mapping,) = resources_of_type(cfn, "AWS::Lambda::EventSourceMapping").values()
        assert mapping["Properties"]["FunctionName"] == {"Ref": "DiaryFunctionAliaslive"}


DIARY_FUNCTION_ARN = PSEUDO["DiaryFunction.Arn"]


def test_old_versions_of_the_diary_function_are_pruned_after_the_alias_moves(template, transformed):
    """SAM retains every version it publishes (DeletionPolicy Retain), so without pruning each deploy
    leaves one more behind, billed with SnapStart. handler.deploy_hooks.prune_versions_on_deploy
    keeps the newest few and every aliased one (tests/unit/test_version_pruning.py)."""
    resources = transformed["Resources"]
    (version,) = [
        name
        for name, v in resources_of_type(transformed, "AWS::Lambda::Version").items()
        if v["Properties"]["FunctionName"] == {"Ref": "DiaryFunction"}
    ]
    assert resources[version]["DeletionPolicy"] == "Retain"
    pruning = resources["DiaryFunctionVersionPruning"]
    assert pruning["Type"] == "Custom::VersionPruning"
    props = pruning["Properties"]
    assert props["ServiceToken"] == {"Fn::GetAtt": ["VersionPruneFunction", "Arn"]}
    # The unqualified ARN: the function whose versions go, and nothing else.
    assert props["FunctionArn"] == {"Fn::GetAtt": ["DiaryFunction", "Arn"]}
    # A new version changes the property (an update, hence a run); an older one is a rollback.
    assert props["FunctionVersion"] == {"Ref": version}
    # Referencing the alias orders the pruning after the alias has moved to the new version.
    assert props["AliasArn"] == {"Ref": "DiaryFunctionAliaslive"}
    # The newest two at least: the version a rollback moves the alias back to stays.
    assert int(props["Keep"]) >= 2
    function = template["Resources"]["VersionPruneFunction"]["Properties"]
    assert 0 < function["Timeout"] < props["ServiceTimeout"]
    # Lambda's API is public; the private subnets have no endpoint for it.
    assert "VpcConfig" not in function
    assert template["Resources"]["VersionPruneFunctionInvokeConfig"]["Properties"] == {
        "FunctionName": {"Ref": "VersionPruneFunction"},
        "Qualifier": "$LATEST",
        "MaximumRetryAttempts": 0,
    }
    # What was kept, deleted or left behind: a stack output, which `sam deploy` prints.
    assert template["Outputs"]["VersionPruning"]["Value"] == {"Fn::GetAtt": ["DiaryFunctionVersionPruning", "Summary"]}


def test_the_pruner_may_delete_versions_of_the_diary_function_only(transformed):
    role = "VersionPruneFunctionRole"
    for action in ("lambda:ListVersionsByFunction", "lambda:ListAliases"):
        assert _resources_for(transformed, action, PSEUDO, role) == [DIARY_FUNCTION_ARN], action
    # Qualified ARNs only: a version (an alias qualifier DeleteFunction refuses itself). The
    # unqualified ARN, which would delete the function with every version, is not granted.
    assert _resources_for(transformed, "lambda:DeleteFunction", PSEUDO, role) == [f"{DIARY_FUNCTION_ARN}:*"]
