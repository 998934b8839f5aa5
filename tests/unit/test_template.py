"""template.yaml, template-ecr.yaml and samconfig.toml: checked offline.

The SAM transform is run locally with aws-sam-translator (no AWS call: a region is given to
its boto3 session and the managed-policy map is a stub), after doing locally the one thing the
AWS::LanguageExtensions transform does for this template (the database's DeletionPolicy from a
parameter). cfn-lint runs through its Python API. Both are dev tools (requirements-dev.txt); the
tests needing them skip when absent. checkov runs in `make lint` (a virtualenv of its own).

The tests check what must hold, read from its source where there is one rather than copied here: the
routes and which are public from the app's router (tests/support/app_routes.py), the roles' actions
from the AWS calls the code makes (tests/support/aws_calls.py), the settings from handler.settings.
"""

import ast
import copy
import json
import logging
import re
import tomllib
from pathlib import Path

import pytest
import yaml

from handler.model_lifecycle import foundation_model_id
from tests.support import aws_calls
from tests.support.app_routes import Served, served_routes, unnamed

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
ECR_TEMPLATE = ROOT / "template-ecr.yaml"
SAMCONFIG = ROOT / "samconfig.toml"

# The defaults, each Active in Bedrock's documentation (README, "Models").
DEFAULT_MODEL_ID = "us.anthropic.claude-sonnet-4-6"
DEFAULT_ROUTING_MODEL_ID = "us.anthropic.claude-haiku-5-5"
DEFAULT_IMAGE_MODEL_ID = "stability.stable-image-core-v1:1"
DEFAULT_EMBEDDING_MODEL_ID = "amazon.titan-embed-text-v2:0"
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
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0a1b2c3d-AbCdEf"
# The functions' own database logins (handler/dal/login_roles.py); Ref of a secret is its ARN.
APP_LOGIN_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:AppLoginSecret-AbCdEf"
BACKFILL_LOGIN_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:BackfillLoginSecret-AbCdEf"
PSEUDO = {
    "AWS::Partition": "aws",
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::StackName": "diary-dev",
    "AWS::URLSuffix": "amazonaws.com",
    # Attributes of the stack's resources, as CloudFormation would resolve them.
    "Database.MasterUserSecret.SecretArn": SECRET,
    "AppLoginSecret": APP_LOGIN_SECRET,
    "BackfillLoginSecret": BACKFILL_LOGIN_SECRET,
    "ImageBucket": "diary-dev-imagebucket-1a2b3c",
    "ImageBucket.Arn": "arn:aws:s3:::diary-dev-imagebucket-1a2b3c",
    "ReportQueue.Arn": "arn:aws:sqs:us-east-1:123456789012:diary-dev-ReportQueue-AbC",
    "ErasureQueue.Arn": "arn:aws:sqs:us-east-1:123456789012:diary-dev-ErasureQueue-DeF",
    "UserPool.Arn": "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEf",
    "DiaryFunctionLogGroup.Arn": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/diary-dev-diary:*",
    "MigrationFunctionLogGroup.Arn": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/diary-dev-migrate:*",
    "ModelCheckFunctionLogGroup.Arn": (
        "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/diary-dev-modelcheck:*"
    ),
    "VersionPruneFunctionLogGroup.Arn": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/diary-dev-prune:*",
    "BackfillFunctionLogGroup.Arn": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/diary-dev-backfill:*",
    "DiaryFunction.Arn": "arn:aws:lambda:us-east-1:123456789012:function:diary-dev-DiaryFunction-AbC",
    "BackfillFunction.Arn": "arn:aws:lambda:us-east-1:123456789012:function:diary-dev-BackfillFunction-AbC",
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


def built_image_uris(template: dict) -> dict[str, str]:
    """What `sam build` writes into the built template for each image function."""
    functions = resources_of_type(template, "AWS::Serverless::Function")
    return {name: f"{name.lower()}:{fn['Metadata']['DockerTag']}" for name, fn in functions.items()}


def translate(template: dict, image_uris: dict | None = None, **parameters) -> dict:
    pytest.importorskip("samtranslator")
    import boto3
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    sam = apply_language_extensions(template, {**defaults(template), **{k: str(v) for k, v in parameters.items()}})
    for name, uri in (image_uris or built_image_uris(template)).items():
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


@pytest.fixture(scope="module")
def served() -> list[Served]:
    return served_routes()


def resources_of_type(cfn: dict, resource_type: str) -> dict:
    return {k: v for k, v in cfn["Resources"].items() if v["Type"] == resource_type}


def _as_list(value):
    return value if isinstance(value, list) else [value]


# --- source template -------------------------------------------------------------------------


def test_parameters(template):
    params = template["Parameters"]
    from typing import get_args

    from handler.settings import Settings

    # The providers the template offers are the function's own; AWS's by default.
    assert params["ModelProvider"]["AllowedValues"] == list(
        get_args(Settings.model_fields["model_provider"].annotation)
    )
    assert params["ModelProvider"]["Default"] == "bedrock"
    # Empty defaults: the stack makes its own user pool and VPC.
    conditions = condition_values(template, defaults(template))
    assert conditions["CreateUserPool"] is True and conditions["CreateVpc"] is True
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
    functions = resources_of_type(template, "AWS::Serverless::Function")
    for name, fn in functions.items():
        props = fn["Properties"]
        assert props["PackageType"] == "Image", name
        assert {k: fn["Metadata"][k] for k in ("Dockerfile", "DockerContext")} == {
            "Dockerfile": "Dockerfile",
            "DockerContext": ".",
        }
        # ImageUri is written by `sam build`, for the architecture `sam deploy` declares.
        assert "ImageUri" not in props
        assert props["Architectures"] == [{"Ref": "Architecture"}]
    # Separate tags, so that an immutable repository accepts every push of a deploy.
    tags = [fn["Metadata"]["DockerTag"] for fn in functions.values()]
    assert len(set(tags)) == len(tags)
    # Each entry point (a command of its own, else the Dockerfile's CMD) is a function of the package.
    for name, entry in _entry_points(template).items():
        module, function = entry.rsplit(".", 1)
        tree = aws_calls.sources()[module]
        assert function in {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}, (name, entry)
    assert _entry_points(template)["DiaryFunction"] == "handler.app.lambda_handler"
    assert functions["DiaryFunction"]["Properties"]["Timeout"] <= 29  # under API Gateway's 30 s integration limit


def test_function_environment_comes_from_the_resources(template):
    env = template["Resources"]["DiaryFunction"]["Properties"]["Environment"]["Variables"]
    # The database through its proxy (TLS required there), as the app login, never the master
    # (test_each_function_logs_in_as_its_own_database_login).
    assert env["DB_SECRET_ARN"] == {"Ref": "AppLoginSecret"}
    assert env["DB_HOST"] == {"Fn::GetAtt": ["DatabaseProxy", "Endpoint"]}
    assert env["DB_PORT"] == {"Fn::GetAtt": ["Database", "Endpoint.Port"]}
    assert env["IMAGE_BUCKET"] == {"Ref": "ImageBucket"}
    assert env["JOB_QUEUE_URL"] == {"Ref": "ReportQueue"}
    assert env["ERASURE_QUEUE_URL"] == {"Ref": "ErasureQueue"}
    # The pool the erasure signs users out of and deletes them from, where the stack owns it.
    assert env["USER_POOL_ID"] == {"Fn::If": ["CreateUserPool", {"Ref": "UserPool"}, ""]}
    # Empty in AWS (declared so `sam local invoke --env-vars` may set them): no password in a
    # variable, and no identity from a header.
    # Each limit is a parameter; the salt of the callers' pseudonyms the stack's own generated key,
    # resolved at deploy time: never a value in the template.
    for setting, parameter in (
        ("MODEL_CALLS_PER_DAY", "DailyModelCalls"),
        ("PICTURES_PER_DAY", "DailyPictures"),
        ("MODEL_TOKENS_PER_DAY", "DailyModelTokens"),
        ("RATE_LIMIT_REQUESTS", "RateLimitRequests"),
        ("RATE_LIMIT_WINDOW_S", "RateLimitWindowSeconds"),
    ):
        assert env[setting] == {"Ref": parameter}, setting
    assert env["CALLER_ID_SALT"] == {"Fn::Sub": "{{resolve:secretsmanager:${CallerIdSalt}:SecretString}}"}
    assert env["DATABASE_URL"] == ""
    assert env["ALLOW_USER_ID_HEADER"] == "false"
    # The database's name is one parameter for both the instance and the function.
    assert template["Resources"]["Database"]["Properties"]["DBName"] == env["DB_NAME"]
    # The function marks a report failed on the delivery that sends it to the dead-letter queue.
    redrive = template["Resources"]["ReportQueue"]["Properties"]["RedrivePolicy"]
    assert redrive["maxReceiveCount"] == env["JOB_MAX_RECEIVES"]
    erasures = template["Resources"]["ErasureQueue"]["Properties"]["RedrivePolicy"]
    assert erasures["maxReceiveCount"] == env["JOB_MAX_RECEIVES"]
    migration = template["Resources"]["MigrationFunction"]["Properties"]["Environment"]["Variables"]
    backfill = template["Resources"]["BackfillFunction"]["Properties"]["Environment"]["Variables"]
    for name in ("DB_HOST", "DB_PORT", "DB_NAME", "DATABASE_URL"):
        assert migration[name] == backfill[name] == env[name], name
    for name in ("MODEL_PROVIDER", "BEDROCK_EMBEDDING_MODEL_ID", "POWERTOOLS_METRICS_NAMESPACE", "LOG_LEVEL"):
        assert backfill[name] == env[name], name


def test_every_setting_the_function_reads_exists():
    """Each variable the template sets is a setting the code reads (or Powertools' own)."""
    from handler.settings import Settings

    template = load_template()
    known = {name.upper() for name in Settings.model_fields} | {
        "POWERTOOLS_SERVICE_NAME",
        "POWERTOOLS_METRICS_NAMESPACE",
        "LOG_LEVEL",
    }
    for name in ("DiaryFunction", "MigrationFunction", "ModelCheckFunction", "BackfillFunction"):
        assert set(template["Resources"][name]["Properties"]["Environment"]["Variables"]) <= known, name


def test_every_function_has_its_own_log_group_with_retention_and_writes_only_there(template, transformed):
    resources = template["Resources"]
    functions = resources_of_type(template, "AWS::Serverless::Function")
    groups = {name: f["Properties"]["LoggingConfig"]["LogGroup"]["Ref"] for name, f in functions.items()}
    assert len(set(groups.values())) == len(functions)
    for function, group in groups.items():
        assert resources[group]["Type"] == "AWS::Logs::LogGroup"
        assert resources[group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
        # Lambda writes it with the function's role, to that group and no other.
        role = functions[function]["Properties"]["Role"]["Fn::GetAtt"][0]
        writes = [s for _, s in _statements(transformed, role) if set(_as_list(s["Action"])) & LOG_ACTIONS]
        assert writes and all(s["Resource"] == {"Fn::GetAtt": [group, "Arn"]} for s in writes), function
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
    for name in ("DiaryFunction", "MigrationFunction", "BackfillFunction"):
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


def test_vpc_endpoints_are_private_and_the_s3_one_admits_the_bucket_only(template):
    endpoints = resources_of_type(template, "AWS::EC2::VPCEndpoint")
    services = {
        e["Properties"]["ServiceName"]["Fn::Sub"].rsplit(".", 1)[1]: e["Properties"] for e in endpoints.values()
    }
    # Which services: test_vpc_endpoints_serve_every_service_the_functions_in_the_vpc_call.
    assert services["s3"]["VpcEndpointType"] == "Gateway"
    for name in set(services) - {"s3"}:
        assert services[name]["VpcEndpointType"] == "Interface"
        # The SDK's usual host names resolve to the endpoint.
        assert services[name]["PrivateDnsEnabled"] is True
    for name, endpoint in endpoints.items():
        # Cognito only where the stack owns the pool the erasure deletes users from.
        expected = "CreateVpcAndUserPool" if name == "CognitoIdpEndpoint" else "CreateVpc"
        assert endpoint["Condition"] == expected, name
    assert template["Conditions"]["CreateVpcAndUserPool"] == {
        "Fn::And": [{"Condition": "CreateVpc"}, {"Condition": "CreateUserPool"}]
    }
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
    # A secret per database user a client logs in as: the master (migrations) and the two logins.
    master, app, backfill = proxy["Auth"]
    assert master["SecretArn"] == {"Fn::GetAtt": ["Database", "MasterUserSecret.SecretArn"]}
    assert app["SecretArn"] == {"Ref": "AppLoginSecret"}
    assert backfill["SecretArn"] == {"Ref": "BackfillLoginSecret"}
    for auth in (master, app, backfill):
        assert auth["AuthScheme"] == "SECRETS"
        assert auth["IAMAuth"] == "DISABLED"
        assert auth["ClientPasswordAuthType"] == "POSTGRES_SCRAM_SHA_256"
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
    # 14 days, SQS's maximum: an export behind a backlog is not dropped after the default 4.
    assert queue["MessageRetentionPeriod"] == 1209600


def test_erasures_have_a_queue_of_their_own_that_keeps_them_as_long_as_sqs_can(template, transformed):
    resources = template["Resources"]
    queue = resources["ErasureQueue"]["Properties"]
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["ErasureDeadLetterQueue", "Arn"]}
    assert queue["SqsManagedSseEnabled"] is True
    assert queue["VisibilityTimeout"] >= 6 * resources["DiaryFunction"]["Properties"]["Timeout"]
    # SQS keeps a message at most 14 days, in the dead-letter queue too (from its first enqueue):
    # both at the maximum, and the erasures table, re-driven on a schedule, is the record.
    assert queue["MessageRetentionPeriod"] == 1209600
    assert resources["ErasureDeadLetterQueue"]["Properties"]["MessageRetentionPeriod"] == 1209600
    for name in ("ErasureQueuePolicy", "ErasureDeadLetterQueuePolicy"):
        (deny,) = resources[name]["Properties"]["PolicyDocument"]["Statement"]
        assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    # Consumed by the function on its own, so a backlog of reports does not hold erasures back.
    mappings = {
        m["Properties"]["EventSourceArn"]["Fn::GetAtt"][0]: m["Properties"]
        for m in resources_of_type(transformed, "AWS::Lambda::EventSourceMapping").values()
    }
    assert set(mappings) == {"ReportQueue", "ErasureQueue"}
    erasures = mappings["ErasureQueue"]
    assert erasures["FunctionName"] == {"Ref": "DiaryFunctionAliaslive"}
    assert erasures["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert erasures["ScalingConfig"] == {"MaximumConcurrency": 2}


def test_pending_erasures_are_sent_again_on_a_schedule(template, transformed):
    from handler.logic.erasure import REDRIVE, RESEND_AFTER

    schedule = template["Resources"]["ErasureRedriveSchedule"]["Properties"]
    assert schedule["State"] == "ENABLED"  # whatever the model provider
    assert schedule["ScheduleExpression"] == f"rate({int(RESEND_AFTER.total_seconds() // 60)} minutes)"
    assert schedule["Target"]["Arn"] == {"Fn::GetAtt": ["ErasureQueue", "Arn"]}
    assert json.loads(schedule["Target"]["Input"]) == {"job": REDRIVE}
    assert _resources_for(transformed, "sqs:SendMessage", PSEUDO, "ErasureRedriveSchedulerRole") == [
        PSEUDO["ErasureQueue.Arn"]
    ]
    role = template["Resources"]["ErasureRedriveSchedulerRole"]["Properties"]["AssumeRolePolicyDocument"]
    (trust,) = role["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}


def test_the_function_may_sign_out_and_delete_users_of_the_stacks_own_pool_only(template, transformed):
    granted = [
        statement
        for _, statement in _statements(transformed, "DiaryFunctionRole")
        if any(a.startswith("cognito-idp:") for a in _as_list(statement["Action"]))
    ]
    assert [set(_as_list(s["Action"])) for s in granted] == [
        {"cognito-idp:AdminUserGlobalSignOut", "cognito-idp:AdminDeleteUser"}
    ]
    assert _resources_for(transformed, "cognito-idp:AdminDeleteUser", PSEUDO) == [PSEUDO["UserPool.Arn"]]
    # With JwtIssuer the stack owns no pool: no grant, and no pool id for the function.
    role = template["Resources"]["DiaryFunctionRole"]["Properties"]["Policies"]
    [conditional] = [p for p in role if "Fn::If" in p]
    assert conditional["Fn::If"][0] == "CreateUserPool" and conditional["Fn::If"][2] == {"Ref": "AWS::NoValue"}


def test_the_function_may_start_and_read_its_own_transcription_jobs_only(template, transformed):
    """StartTranscriptionJob and GetTranscriptionJob take the transcription-job resource type, so the
    grant names the jobs the worker starts (handler.aws.transcription.job_name) and no other;
    Transcribe reads the media and writes the transcript with these credentials, under users/* (the
    bucket's own grant), and the VPC reaches Transcribe by an interface endpoint."""
    import uuid

    from handler.aws import transcription

    granted = [
        statement
        for _, statement in _statements(transformed, "DiaryFunctionRole")
        if any(a.startswith("transcribe:") for a in _as_list(statement["Action"]))
    ]
    assert [set(_as_list(s["Action"])) for s in granted] == [
        {"transcribe:StartTranscriptionJob", "transcribe:GetTranscriptionJob"}
    ]
    (resource,) = _resources_for(transformed, "transcribe:StartTranscriptionJob", PSEUDO)
    prefix = f"arn:aws:transcribe:{PSEUDO['AWS::Region']}:{PSEUDO['AWS::AccountId']}:transcription-job/"
    assert resource.startswith(prefix) and resource.endswith("*")
    name = transcription.job_name(uuid.uuid4())
    assert name.startswith(resource.removeprefix(prefix).removesuffix("*"))
    assert _resources_for(transformed, "transcribe:GetTranscriptionJob", PSEUDO) == [resource]
    for action in ("s3:GetObject", "s3:PutObject"):
        assert any(r.endswith("/users/*") for r in _resources_for(transformed, action, PSEUDO))
    endpoint = template["Resources"]["TranscribeEndpoint"]
    assert endpoint["Condition"] == "CreateVpc"
    assert endpoint["Properties"]["ServiceName"] == {"Fn::Sub": "com.amazonaws.${AWS::Region}.transcribe"}
    assert endpoint["Properties"]["VpcEndpointType"] == "Interface"


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
    assert Settings.model_fields["job_max_receives"].default == int(param["Default"])


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
    erasure_dlq = alarms["ErasureDeadLetterAlarm"]["Properties"]
    assert erasure_dlq["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["ErasureDeadLetterQueue", "QueueName"]}}
    ]
    for alarm in alarms.values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_an_erasure_past_its_deadline_or_a_silent_redrive_tells_the_operator(template):
    """The alarm watches the metric the re-drive emits, under the function's namespace and service."""
    from handler.logic.erasure import OVERDUE_METRIC

    alarm = template["Resources"]["OverdueErasuresAlarm"]["Properties"]
    env = template["Resources"]["DiaryFunction"]["Properties"]["Environment"]["Variables"]
    assert (alarm["Namespace"], alarm["MetricName"]) == (env["POWERTOOLS_METRICS_NAMESPACE"], OVERDUE_METRIC)
    assert alarm["Dimensions"] == [{"Name": "service", "Value": env["POWERTOOLS_SERVICE_NAME"]}]
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanOrEqualToThreshold", 1)
    # The re-drive runs every 15 minutes and always emits: an hour without a value is an alarm too.
    assert alarm["TreatMissingData"] == "breaching" and alarm["Period"] == 3600


def test_outputs_hold_what_make_smoke_reads_and_no_secret(template):
    outputs = template["Outputs"]
    read = re.findall(r'outputs\["(\w+)"\]', (ROOT / "handler" / "local" / "smoke.py").read_text(encoding="utf-8"))
    assert read and set(read) <= set(outputs)
    assert "execute-api" in outputs["ApiUrl"]["Value"]["Fn::Sub"]
    # The secret's ARN, never its value.
    assert outputs["DatabaseSecretArn"]["Value"] == {"Fn::GetAtt": ["Database", "MasterUserSecret.SecretArn"]}


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
    built = built_image_uris(load_template())
    assert set(functions) == set(built)
    for name, fn in functions.items():
        assert fn["Properties"]["PackageType"] == "Image"
        assert fn["Properties"]["Code"] == {"ImageUri": built[name]}
        assert fn["Properties"]["Role"] == {"Fn::GetAtt": [f"{name}Role", "Arn"]}
    assert set(functions["DiaryFunction"]["DependsOn"]) == {"DatabaseMigration", "ModelLifecycleCheck"}


def _operations(transformed):
    (api,) = resources_of_type(transformed, "AWS::ApiGatewayV2::Api").values()
    body = api["Properties"]["Body"]
    for path, methods in body["paths"].items():
        for method, operation in methods.items():
            yield method.upper(), path, operation


def test_the_api_wires_every_route_the_app_serves_and_nothing_else(transformed, served):
    """The app's router is the list of routes (tests/support/app_routes.py): each is wired to the
    function, the public ones (handler.api.identity.public) without the authorizer, every other with
    it; a route the app does not serve is not wired."""
    wired = {(method, unnamed(path)): operation for method, path, operation in _operations(transformed)}
    assert sorted(wired) == sorted(route.shape for route in served)
    assert {route.public for route in served} == {True, False}
    for route in served:
        operation = wired[route.shape]
        assert operation["security"] == [{"NONE": []} if route.public else {"JwtAuthorizer": []}], route
        integration = operation["x-amazon-apigateway-integration"]
        assert integration["type"] == "aws_proxy"
        # Payload 2.0: the authorizer's claims arrive at requestContext.authorizer.jwt.claims.
        assert integration["payloadFormatVersion"] == "2.0"
        # The published alias (SnapStart restores published versions), never $LATEST.
        assert "${DiaryFunctionAliaslive}" in integration["uri"]["Fn::Sub"]
    permissions = resources_of_type(transformed, "AWS::Lambda::Permission")
    assert len(permissions) == len(served)
    assert all(p["Properties"]["FunctionName"] == {"Ref": "DiaryFunctionAliaslive"} for p in permissions.values())


def test_the_authorizer_takes_tokens_of_the_stacks_user_pool_or_the_given_issuer(transformed):
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
        # The web client's app client as well when the stack serves it (WebClient=cloudfront).
        "audience": {
            "Fn::If": [
                "CreateUserPool",
                {
                    "Fn::If": [
                        "ServeWebClient",
                        [{"Ref": "UserPoolClient"}, {"Ref": "WebUserPoolClient"}],
                        [{"Ref": "UserPoolClient"}],
                    ]
                },
                {"Ref": "JwtAudience"},
            ]
        },
    }


def test_api_stage_throttles_and_logs(transformed):
    (stage,) = resources_of_type(transformed, "AWS::ApiGatewayV2::Stage").values()
    props = stage["Properties"]
    assert props["DefaultRouteSettings"] == {
        "ThrottlingBurstLimit": {"Ref": "ThrottlingBurstLimit"},
        "ThrottlingRateLimit": {"Ref": "ThrottlingRateLimit"},
    }
    assert props["AccessLogSettings"]["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    assert json.loads(props["AccessLogSettings"]["Format"].replace("\n", ""))["requestId"] == "$context.requestId"


def test_cors_follows_the_parameter(template, served):
    def cors(cfn):
        (api,) = resources_of_type(cfn, "AWS::ApiGatewayV2::Api").values()
        return api["Properties"]["Body"]["x-amazon-apigateway-cors"]["Fn::If"]

    condition, configured, otherwise = cors(translate(template, CorsAllowOrigins=["https://app.example.com"]))
    assert condition == "HasBrowserOrigins" and otherwise == {"Ref": "AWS::NoValue"}
    env = {**defaults(template), "CorsAllowOrigins": ["https://app.example.com"]}
    assert evaluate(configured["allowOrigins"], env) == ["https://app.example.com"]
    assert {"authorization", "content-type", "idempotency-key"} <= set(configured["allowHeaders"])
    # A browser may send every method a route takes.
    assert {route.method for route in served} | {"OPTIONS"} == set(configured["allowMethods"])
    # A page reads only CORS-safelisted response headers unless they are exposed: the 202 of
    # GET /me/export says where to poll in Location, a 503 or 409 when to retry in Retry-After,
    # a 405 what the path takes in Allow (handler/api/me_routes.py, errors.py).
    assert {"location", "retry-after", "allow"} <= {h.lower() for h in configured["exposeHeaders"]}
    # Empty by default: the condition is false and the API has no CORS configuration.
    assert condition_values(template, defaults(template))["HasBrowserOrigins"] is False


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
    # The function presigns get_object for reading (handler/aws/object_store.py) and a form POST
    # for a photo's upload; no other method.
    assert set(rule["AllowedMethods"]) == {"GET", "HEAD", "POST"}
    assert {"etag", "content-length"} <= {h.lower() for h in rule["ExposedHeaders"]}
    # No browser origins (the default): no CORS rule at all, so no page anywhere may read the bucket.
    assert evaluate(cors, env) is None


def test_report_worker_reports_partial_batch_failures(transformed):
    [props] = [
        m["Properties"]
        for m in resources_of_type(transformed, "AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["EventSourceArn"] == {"Fn::GetAtt": ["ReportQueue", "Arn"]}
    ]
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
        rebuilt = translate(
            load_template(), {**built_image_uris(load_template()), function: f"{function.lower()}:python3.11-v2"}
        )
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
            if "Fn::If" in policy:  # a policy held under a condition: what it grants when it holds
                policy = policy["Fn::If"][1]
            for statement in policy["PolicyDocument"]["Statement"]:
                yield name, statement
    for policy_type in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        for name, policy in resources_of_type(transformed, policy_type).items():
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                yield name, statement


# An operation's IAM action is "<signing name>:<Operation>" but where AWS names it otherwise, as the
# operation's own documentation says (botocore's copy of it; checked below).
ACTIONS_OF = {
    ("s3", "list_object_versions"): {"s3:ListBucketVersions"},
    # Every version, by its VersionId (handler.aws.object_store.delete_everything).
    ("s3", "delete_objects"): {"s3:DeleteObject", "s3:DeleteObjectVersion"},
    # Exports are put with their tag (object_store.put_export), which takes the tagging action too.
    ("s3", "put_object"): {"s3:PutObject", "s3:PutObjectTagging"},
    ("bedrock-runtime", "converse"): {"bedrock:InvokeModel"},
    # "To use HEAD, you must have the s3:GetObject permission" (HeadObject's documentation): a pending
    # photo's object is looked for (handler.logic.photos), and whether an import's document was
    # uploaded (handler.aws.object_store.size).
    ("s3", "head_object"): {"s3:GetObject"},
}
# What Lambda does with a function's role by itself, not the code: write its log group; create the
# function's network interfaces in its subnets (a function with VpcConfig); poll its queue (an event
# source mapping: the role "must include sqs:DeleteMessage, sqs:GetQueueAttributes, sqs:ReceiveMessage",
# https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-configure-lambda-function-trigger.html);
# and Bedrock subscribes to a third-party model on its first call with the caller's permissions
# (model-access.html).
LOG_ACTIONS = {"logs:CreateLogStream", "logs:PutLogEvents"}
QUEUE_POLL_ACTIONS = {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
# Roles a service assumes, and what it does with them: the proxy reads the database secrets, the
# scheduler puts the retention sweep on the worker's queue, the erasures' re-drive on theirs, and
# invokes the backfill's function.
SERVICE_ROLES = {
    "DatabaseProxyRole": ("rds.amazonaws.com", {"secretsmanager:GetSecretValue"}),
    "WorkerSchedulerRole": ("scheduler.amazonaws.com", {"sqs:SendMessage"}),
    "EmbeddingBackfillSchedulerRole": ("scheduler.amazonaws.com", {"lambda:InvokeFunction"}),
    "ErasureRedriveSchedulerRole": ("scheduler.amazonaws.com", {"sqs:SendMessage"}),
}


def _operation(call: aws_calls.Call):
    import botocore.session
    from botocore import xform_name

    service, name = call
    model = botocore.session.get_session().get_service_model(service)
    (operation,) = [op for op in model.operation_names if xform_name(op) == name]
    return model, model.operation_model(operation)


def actions_of(call: aws_calls.Call) -> set[str]:
    model, operation = _operation(call)
    return ACTIONS_OF.get(call, {f"{model.signing_name}:{operation.name}"})


def _entry_points(template: dict) -> dict[str, str]:
    """Each function's entry point: its ImageConfig's command, else the Dockerfile's CMD."""
    (cmd,) = re.findall(r'^CMD \["([^"]+)"\]', (ROOT / "Dockerfile").read_text(encoding="utf-8"), re.MULTILINE)
    return {
        name: function["Properties"].get("ImageConfig", {}).get("Command", [cmd])[0]
        for name, function in resources_of_type(template, "AWS::Serverless::Function").items()
    }


def _granted(transformed, role) -> set[str]:
    return {action for _, statement in _statements(transformed, role) for action in _as_list(statement["Action"])}


def test_every_aws_call_of_the_code_has_the_action_aws_documents(template):
    calls = {
        c for entry in _entry_points(template).values() for found in aws_calls.calls_from(entry).values() for c in found
    }
    assert ("s3", "put_object") in calls  # the reading finds what it reads
    cfnlint = pytest.importorskip("cfnlint")
    reference = json.loads((Path(cfnlint.__file__).parent / "data/AdditionalSpecs/Policies.json").read_text())
    for call in calls:
        for action in actions_of(call):
            prefix, name = action.split(":")
            # An action of the Service Authorization Reference (cfn-lint's copy).
            assert name.lower() in reference[prefix]["Actions"], (call, action)
    for call, actions in ACTIONS_OF.items():
        assert call in calls, f"{call} is no longer called: drop it from ACTIONS_OF"
        documented = set(re.findall(r"\b[a-z0-9-]+:[A-Za-z]+", _operation(call)[1].documentation))
        assert actions <= documented, (call, actions - documented)


def test_each_role_grants_what_its_code_calls_and_nothing_else(template, transformed):
    """What each function's code calls (read from it, tests/support/aws_calls.py), and what Lambda
    does with the role by itself: no more, no less. Not derivable: which arguments a call takes at
    run time (ACTIONS_OF says it where it matters) and what a call made through a library the reading
    does not know would need."""
    resources = template["Resources"]
    roles = resources_of_type(transformed, "AWS::IAM::Role")
    entries = _entry_points(template)
    function_roles = {resources[f]["Properties"]["Role"]["Fn::GetAtt"][0]: f for f in entries}
    assert set(roles) == set(function_roles) | set(SERVICE_ROLES)
    for role, function in function_roles.items():
        properties = resources[function]["Properties"]
        needed = {a for found in aws_calls.calls_from(entries[function]).values() for c in found for a in actions_of(c)}
        needed |= LOG_ACTIONS
        if "VpcConfig" in properties:
            needed |= ENI_ACTIONS | DESCRIBE_ACTIONS
        if any(event["Type"] == "SQS" for event in properties.get("Events", {}).values()):
            needed |= QUEUE_POLL_ACTIONS
        if "bedrock:InvokeModel" in needed:
            needed |= MARKETPLACE_ACTIONS
        assert _granted(transformed, role) == needed, (function, _granted(transformed, role) ^ needed)
    for role, (service, needed) in SERVICE_ROLES.items():
        (trust,) = roles[role]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert trust["Principal"] == {"Service": service}, role
        assert _granted(transformed, role) == needed, role


def test_roles_hold_no_managed_policy_nor_wildcard_action(transformed):
    assert not resources_of_type(transformed, "AWS::IAM::Policy")
    assert not resources_of_type(transformed, "AWS::IAM::ManagedPolicy")
    for name, role in resources_of_type(transformed, "AWS::IAM::Role").items():
        # No managed policy: SAM's defaults grant logs on "*" and every queue.
        assert "ManagedPolicyArns" not in role["Properties"], name
        for _, statement in _statements(transformed, name):
            assert statement["Effect"] == "Allow"
            assert not any("*" in action for action in _as_list(statement["Action"])), statement
            if "*" in _as_list(statement["Resource"]):
                assert set(_as_list(statement["Action"])) <= NO_RESOURCE_TYPE_ACTIONS, statement


def test_vpc_endpoints_serve_every_service_the_functions_in_the_vpc_call(template):
    """The created VPC has no route out (no NAT unless asked for): each service a function inside it
    calls needs an endpoint. Lambda writes the logs itself, outside the function's subnets."""
    entries = _entry_points(template)
    import botocore.session

    session = botocore.session.get_session()
    called = {
        session.get_service_model(service).endpoint_prefix
        for name, entry in entries.items()
        if "VpcConfig" in template["Resources"][name]["Properties"]
        for found in aws_calls.calls_from(entry).values()
        for service, _ in found
    }
    endpoints = resources_of_type(template, "AWS::EC2::VPCEndpoint").values()
    assert {e["Properties"]["ServiceName"]["Fn::Sub"].rsplit(".", 1)[1] for e in endpoints} == called


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
    """Each function reads its own login's secret only; the master's is the migrations' (and the
    proxy's, which logs in as every one of them)."""
    readers = {
        "DiaryFunctionRole": [APP_LOGIN_SECRET],
        "BackfillFunctionRole": [BACKFILL_LOGIN_SECRET],
        "MigrationFunctionRole": [SECRET, APP_LOGIN_SECRET, BACKFILL_LOGIN_SECRET],
        "DatabaseProxyRole": [SECRET, APP_LOGIN_SECRET, BACKFILL_LOGIN_SECRET],
    }
    for role, secrets in readers.items():
        assert _resources_for(transformed, "secretsmanager:GetSecretValue", PSEUDO, role) == secrets, role
    for role in ("ModelCheckFunctionRole", "VersionPruneFunctionRole", "EmbeddingBackfillSchedulerRole"):
        assert not _resources_for(transformed, "secretsmanager:GetSecretValue", PSEUDO, role), role


def test_each_function_logs_in_as_its_own_database_login(template):
    """The API function as diary_app_login, the backfill as diary_backfill_login, the migrations as
    the master, which also sets the logins' passwords from their secrets
    (handler/migrations/0008_login_roles.sql, handler/dal/login_roles.py)."""
    from handler.dal import login_roles

    resources = template["Resources"]
    env = {
        name: resources[name]["Properties"]["Environment"]["Variables"]
        for name in resources
        if name.endswith("Function")
    }
    assert env["DiaryFunction"]["DB_SECRET_ARN"] == {"Ref": "AppLoginSecret"}
    assert env["BackfillFunction"]["DB_SECRET_ARN"] == {"Ref": "BackfillLoginSecret"}
    migration = env["MigrationFunction"]
    assert migration["DB_SECRET_ARN"] == {"Fn::GetAtt": ["Database", "MasterUserSecret.SecretArn"]}
    assert migration["DB_APP_LOGIN_SECRET_ARN"] == {"Ref": "AppLoginSecret"}
    assert migration["DB_BACKFILL_LOGIN_SECRET_ARN"] == {"Ref": "BackfillLoginSecret"}
    for secret, login in (
        ("AppLoginSecret", login_roles.APP_LOGIN),
        ("BackfillLoginSecret", login_roles.BACKFILL_LOGIN),
    ):
        props = resources[secret]["Properties"]
        generated = props["GenerateSecretString"]
        # The shape RDS Proxy and handler.dal.credentials read: {"username", "password"}.
        assert json.loads(generated["SecretStringTemplate"]) == {"username": login}
        assert generated["GenerateStringKey"] == "password"
        assert generated["PasswordLength"] >= 32 and generated["ExcludePunctuation"] is True
        assert "SecretString" not in props
        # The AWS managed key, as the master secret's (no KmsKeyId there either).
        assert "KmsKeyId" not in props
    assert "KmsKeyId" not in resources["Database"]["Properties"].get("MasterUserSecret", {})
    # A login created or replaced re-runs the migrations, which set its password.
    migration_resource = resources["DatabaseMigration"]["Properties"]
    assert migration_resource["AppLoginSecret"] == {"Ref": "AppLoginSecret"}
    assert migration_resource["BackfillLoginSecret"] == {"Ref": "BackfillLoginSecret"}
    # Neither function runs before the migration made its login.
    assert "DatabaseMigration" in resources["DiaryFunction"]["DependsOn"]
    assert resources["BackfillFunction"]["DependsOn"] == "DatabaseMigration"


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


def test_sqs_access_is_limited_to_the_job_and_erasure_queues(transformed):
    queues = {PSEUDO["ReportQueue.Arn"], PSEUDO["ErasureQueue.Arn"]}
    for _, statement in _statements(transformed):
        if any(action.startswith("sqs:") for action in _as_list(statement["Action"])):
            assert set(_as_list(evaluate(statement["Resource"], PSEUDO))) <= queues, statement


def test_network_interface_permissions_stay_in_the_account_and_region(transformed):
    for role in ("DiaryFunctionRole", "MigrationFunctionRole", "BackfillFunctionRole"):
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
    # The backfill may call the embedding model only, granted as the diary function's is; nobody
    # else may call a model.
    embedding_grant = [
        evaluate(resource, env)
        for _, statement in _statements(transformed, "DiaryFunctionRole")
        if statement.get("Sid") == "InvokeConfiguredEmbeddingModel"
        for resource in statement["Resource"]
    ]
    assert embedding_grant
    assert _resources_for(transformed, "bedrock:InvokeModel", env, "BackfillFunctionRole") == embedding_grant
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


# --- cfn-lint ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [TEMPLATE, ECR_TEMPLATE], ids=lambda p: p.name)
def test_cfn_lint_reports_no_error_or_warning(path):
    pytest.importorskip("cfnlint")
    from cfnlint.api import ManualArgs, lint_file

    matches = lint_file(path, config=ManualArgs(regions=["us-east-1"]))
    problems = [m for m in matches if m.rule.id[0] in "EW"]
    assert not problems, "\n".join(str(m) for m in problems)


def test_the_embedding_backfill_is_a_scheduled_function_of_its_own(template, transformed):
    """Its own function, logged in as its own login (test_each_function_logs_in_as_its_own_database_login):
    the worker's login cannot act as diary_backfill."""
    schedule = template["Resources"]["EmbeddingBackfillSchedule"]["Properties"]
    assert schedule["ScheduleExpression"] == {"Ref": "EmbeddingBackfillRate"}
    assert schedule["Target"]["Arn"] == {"Fn::GetAtt": ["BackfillFunction", "Arn"]}
    assert json.loads(schedule["Target"]["Input"]) == {}
    # Off where no model is used; the role may only invoke that function.
    assert condition_values(template, {**defaults(template), "ModelProvider": "offline"})["UsesBedrock"] is False
    assert _resources_for(transformed, "lambda:InvokeFunction", PSEUDO, "EmbeddingBackfillSchedulerRole") == [
        PSEUDO["BackfillFunction.Arn"]
    ]
    # Invoked asynchronously: the next run, not a retry, picks up what a failed one left.
    config = template["Resources"]["BackfillFunctionInvokeConfig"]["Properties"]
    assert config == {"FunctionName": {"Ref": "BackfillFunction"}, "Qualifier": "$LATEST", "MaximumRetryAttempts": 0}
    role = template["Resources"]["EmbeddingBackfillSchedulerRole"]["Properties"]["AssumeRolePolicyDocument"]
    (trust,) = role["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}


def test_the_retention_sweep_is_an_hourly_job_on_the_workers_queue_whatever_the_model(template):
    from handler.logic.retention import JOB

    schedule = template["Resources"]["RetentionSchedule"]["Properties"]
    assert schedule["ScheduleExpression"] == "rate(1 hour)"
    assert schedule["State"] == "ENABLED"
    assert schedule["Target"]["Arn"] == {"Fn::GetAtt": ["ReportQueue", "Arn"]}
    assert schedule["Target"]["RoleArn"] == {"Fn::GetAtt": ["WorkerSchedulerRole", "Arn"]}
    assert json.loads(schedule["Target"]["Input"]) == {"job": JOB}


def test_the_database_logs_no_statement_text_or_error_detail(template):
    """The settings tests/integration/test_database_log.py starts PostgreSQL with; here, that the
    instance uses them, in the family of its engine version."""
    group = template["Resources"]["DatabaseParameterGroup"]["Properties"]
    assert group["Parameters"]["log_min_error_statement"] == "panic"
    assert group["Parameters"]["log_error_verbosity"] == "terse"
    assert group["Parameters"]["log_statement"] == "none"
    database = template["Resources"]["Database"]["Properties"]
    assert database["DBParameterGroupName"] == {"Ref": "DatabaseParameterGroup"}
    major = {"Fn::Select": [0, {"Fn::Split": [".", {"Ref": "DatabaseEngineVersion"}]}]}
    assert group["Family"] == {"Fn::Join": ["", ["postgres", major]]}


def test_snapstart_is_opt_in_and_the_routes_use_the_published_alias_either_way(template):
    """SnapStart is off by default: Lambda's SnapStart overview lists container images as
    unsupported while its container-image hooks page describes them (README "SnapStart"), and a
    version that fails to publish fails the first deploy. Either way the function publishes a
    version per change as the alias `live`, which the routes and the queue invoke
    (test_the_api_wires_every_route_the_app_serves_and_nothing_else,
    test_report_worker_reports_partial_batch_failures)."""
    param = template["Parameters"]["SnapStart"]
    assert param["Default"] == "None"
    assert param["AllowedValues"] == ["None", "PublishedVersions"]
    for choice in param["AllowedValues"]:
        cfn = translate(template, SnapStart=choice)
        function = cfn["Resources"]["DiaryFunction"]["Properties"]
        assert function["SnapStart"] == {"ApplyOn": {"Ref": "SnapStart"}}
        aliases = resources_of_type(cfn, "AWS::Lambda::Alias")
        assert aliases["DiaryFunctionAliaslive"]["Properties"]["Name"] == "live"
        mappings = resources_of_type(cfn, "AWS::Lambda::EventSourceMapping").values()
        assert len(mappings) == 2  # the job queue and the erasure queue
        for mapping in mappings:
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


def test_the_job_queue_keeps_messages_as_long_as_the_function_says(template):
    """An export unfinished past the queue's retention is shown failed (handler.logic.jobs)."""
    from handler.logic.jobs import QUEUE_RETENTION

    queue = template["Resources"]["ReportQueue"]["Properties"]
    assert queue["MessageRetentionPeriod"] == QUEUE_RETENTION.total_seconds()
    # The operator hears of a job left waiting long before the queue drops it.
    backlog = template["Resources"]["JobQueueBacklogAlarm"]["Properties"]
    assert (backlog["Namespace"], backlog["MetricName"]) == ("AWS/SQS", "ApproximateAgeOfOldestMessage")
    assert backlog["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["ReportQueue", "QueueName"]}}]
    assert backlog["Threshold"] < QUEUE_RETENTION.total_seconds() / 7


# --- the web client (WebClient=cloudfront) ------------------------------------------------------

WEB_ORIGIN = "https://d111111abcdef8.cloudfront.net"
WEB_ENV = {
    **PSEUDO,
    "WebDistribution": "E2QWRUHEXAMPLE",
    "WebDistribution.DomainName": WEB_ORIGIN.removeprefix("https://"),
    "WebBucket": "diary-dev-webbucket-4d5e6f",
    "WebBucket.Arn": "arn:aws:s3:::diary-dev-webbucket-4d5e6f",
    "Stage": "dev",
    "AWS::NoValue": None,
}
WEB_TYPES = {
    "AWS::CloudFront::Distribution",
    "AWS::CloudFront::OriginAccessControl",
    "AWS::CloudFront::ResponseHeadersPolicy",
    "AWS::Cognito::UserPoolDomain",
}


def _web_resources(template) -> dict:
    """Every resource the web client adds: the CloudFront and hosted-UI types, its bucket, its
    bucket's policy and its app client."""
    resources = template["Resources"]
    return {
        name: r
        for name, r in resources.items()
        if r["Type"] in WEB_TYPES
        or name == "WebUserPoolClient"
        or (r["Type"] == "AWS::S3::Bucket" and name != "ImageBucket")
        or (r["Type"] == "AWS::S3::BucketPolicy" and r["Properties"]["Bucket"] != {"Ref": "ImageBucket"})
    }


def _resolved(node, env: dict):
    """evaluate() through every level of a structure (a policy's statements)."""
    node = evaluate(node, env)
    if isinstance(node, dict):
        return {key: _resolved(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolved(item, env) for item in node]
    return node


def _with(template, **parameters) -> dict:
    return {**defaults(template), **WEB_ENV, **parameters}


def test_web_client_is_off_by_default_and_adds_nothing_then(template, transformed):
    """The first deploy is unchanged: without WebClient=cloudfront no web resource or output exists,
    and the API's audience and both CORS configurations are what they were."""
    assert template["Parameters"]["WebClient"]["Default"] == "none"
    conditions = condition_values(template, defaults(template))
    assert conditions["ServeWebClient"] is False
    web = _web_resources(template)
    assert len(web) == 7
    assert {r.get("Condition") for r in web.values()} == {"ServeWebClient"}
    web_outputs = {name for name, o in template["Outputs"].items() if o.get("Condition") == "ServeWebClient"}
    assert web_outputs == {"WebUrl", "WebSignInDomain", "WebClientId", "WebBucketName", "WebDistributionId"}
    env = _with(template)
    # Off: no CORS at all (no origins given) and only the app's client as the audience.
    assert evaluate(template["Resources"]["ImageBucket"]["Properties"]["CorsConfiguration"], env) is None
    assert evaluate(template["Resources"]["DiaryHttpApi"]["Properties"]["CorsConfiguration"], env) is None
    audience = template["Resources"]["DiaryHttpApi"]["Properties"]["Auth"]["Authorizers"]["JwtAuthorizer"]
    assert evaluate(audience["JwtConfiguration"]["audience"], {**env, "UserPoolClient": "app"}) == ["app"]
    # The transform keeps them conditional: CloudFormation leaves them out.
    assert all(transformed["Resources"][name].get("Condition") == "ServeWebClient" for name in web)


def test_web_client_needs_the_stacks_own_user_pool(template):
    rule = template["Rules"]["WebClientNeedsTheStacksUserPool"]
    assert rule["RuleCondition"] == {"Fn::Equals": [{"Ref": "WebClient"}, "cloudfront"]}
    assert rule["Assertions"][0]["Assert"] == {"Fn::Equals": [{"Ref": "JwtIssuer"}, ""]}
    # And the condition holds it too: with an outside issuer nothing of the web client is made.
    given = {**defaults(template), "WebClient": "cloudfront", "JwtIssuer": "https://issuer.example.com"}
    assert condition_values(template, given)["ServeWebClient"] is False
    assert condition_values(template, {**defaults(template), "WebClient": "cloudfront"})["ServeWebClient"] is True


def test_web_bucket_is_private_and_read_by_the_distribution_through_origin_access_control(template):
    resources = template["Resources"]
    bucket = resources["WebBucket"]["Properties"]
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    # Origin access control requires the bucket owner to own the objects.
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert not resources_of_type(template, "AWS::CloudFront::CloudFrontOriginAccessIdentity")
    oac = resources["WebOriginAccessControl"]["Properties"]["OriginAccessControlConfig"]
    assert (oac["OriginAccessControlOriginType"], oac["SigningBehavior"], oac["SigningProtocol"]) == (
        "s3",
        "always",
        "sigv4",
    )
    config = resources["WebDistribution"]["Properties"]["DistributionConfig"]
    (origin,) = config["Origins"]
    assert origin["DomainName"] == {"Fn::GetAtt": ["WebBucket", "RegionalDomainName"]}
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["WebOriginAccessControl", "Id"]}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    assert config["DefaultRootObject"] == "index.html"
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] in {"redirect-to-https", "https-only"}
    assert config["DefaultCacheBehavior"]["AllowedMethods"] == ["GET", "HEAD"]
    # The bucket's policy: this distribution may read objects, nobody over plain HTTP.
    statements = _resolved(resources["WebBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"], WEB_ENV)
    (allow,) = [s for s in statements if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    assert allow["Resource"] == "arn:aws:s3:::diary-dev-webbucket-4d5e6f/*"
    assert allow["Condition"] == {
        "StringEquals": {"AWS:SourceArn": "arn:aws:cloudfront::123456789012:distribution/E2QWRUHEXAMPLE"}
    }
    (deny,) = [s for s in statements if s["Effect"] == "Deny"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_web_page_gets_security_headers(template):
    resources = template["Resources"]
    behavior = resources["WebDistribution"]["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]
    assert behavior["ResponseHeadersPolicyId"] == {"Ref": "WebResponseHeadersPolicy"}
    headers = resources["WebResponseHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    security = headers["SecurityHeadersConfig"]
    assert security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert security["ContentTypeOptions"] == {"Override": True}
    assert security["FrameOptions"] == {"FrameOption": "DENY", "Override": True}
    csp = evaluate(security["ContentSecurityPolicy"]["ContentSecurityPolicy"], WEB_ENV)
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    # The page's own scripts and styles only: no inline code, nothing from elsewhere.
    assert directives["default-src"] == ["'none'"]
    assert directives["script-src"] == ["'self'"] and directives["style-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    # Data from API Gateway, pictures and exports from S3, tokens from the hosted UI: all in the
    # stack's region (the exact API and bucket: the <meta> policy make web-deploy writes).
    assert directives["connect-src"] == [
        "'self'",
        "https://*.execute-api.us-east-1.amazonaws.com",
        "https://*.s3.us-east-1.amazonaws.com",
        "https://diary-dev-123456789012.auth.us-east-1.amazoncognito.com",
    ]
    assert directives["img-src"] == ["'self'", "https://*.s3.us-east-1.amazonaws.com"]


def test_web_app_client_is_public_with_the_code_grant_to_the_distribution(template):
    client = template["Resources"]["WebUserPoolClient"]["Properties"]
    assert client["UserPoolId"] == {"Ref": "UserPool"}
    assert client["GenerateSecret"] is False
    assert client["AllowedOAuthFlowsUserPoolClient"] is True
    assert client["AllowedOAuthFlows"] == ["code"]
    assert "openid" in client["AllowedOAuthScopes"]
    assert evaluate(client["CallbackURLs"], WEB_ENV) == [f"{WEB_ORIGIN}/"]
    assert evaluate(client["LogoutURLs"], WEB_ENV) == [f"{WEB_ORIGIN}/"]
    # No password flow for the page: it signs in at the hosted UI and only refreshes here.
    assert client["ExplicitAuthFlows"] == ["ALLOW_REFRESH_TOKEN_AUTH"]
    domain = template["Resources"]["WebUserPoolDomain"]["Properties"]
    assert domain["UserPoolId"] == {"Ref": "UserPool"}
    assert re.fullmatch(r"[a-z0-9-]{1,63}", evaluate(domain["Domain"], WEB_ENV))
    outputs = template["Outputs"]
    assert evaluate(outputs["WebUrl"]["Value"], WEB_ENV) == f"{WEB_ORIGIN}/"
    # The output (and the CSP) spell the domain's prefix out: they must be the domain's.
    prefix = evaluate(domain["Domain"], WEB_ENV)
    assert prefix == "diary-dev-123456789012"
    assert evaluate(outputs["WebSignInDomain"]["Value"], WEB_ENV) == f"{prefix}.auth.us-east-1.amazoncognito.com"
    assert outputs["WebClientId"]["Value"] == {"Ref": "WebUserPoolClient"}
    api = template["Resources"]["DiaryHttpApi"]["Properties"]["Auth"]["Authorizers"]["JwtAuthorizer"]
    env = {**_with(template, WebClient="cloudfront"), "UserPoolClient": "app", "WebUserPoolClient": "web"}
    assert evaluate(api["JwtConfiguration"]["audience"], env) == ["app", "web"]


@pytest.mark.parametrize("given", [[], ["http://localhost:5173"], ["https://a.example.com", "http://localhost:5173"]])
def test_web_client_origin_joins_the_api_and_images_bucket_cors(template, given):
    env = _with(template, WebClient="cloudfront", CorsAllowOrigins=given or [""])
    expected = [*given, WEB_ORIGIN]
    api = translate(template, WebClient="cloudfront", CorsAllowOrigins=given or [""])
    (api_resource,) = resources_of_type(api, "AWS::ApiGatewayV2::Api").values()
    api_cors = _resolved(api_resource["Properties"]["Body"]["x-amazon-apigateway-cors"], env)
    assert api_cors["allowOrigins"] == expected
    (rule,) = _resolved(template["Resources"]["ImageBucket"]["Properties"]["CorsConfiguration"], env)["CorsRules"]
    assert rule["AllowedOrigins"] == expected
