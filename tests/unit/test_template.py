"""template.yaml and samconfig.toml: checked offline.

The SAM transform is run locally with aws-sam-translator (no AWS call: a region is given to
its boto3 session and the managed-policy map is a stub), and cfn-lint runs through its Python
API. Both are dev tools (requirements-dev.txt); the tests needing them skip when absent.
"""

import copy
import json
import re
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
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
}
PUBLIC_ROUTES = {("GET", "/health"), ("GET", "/openapi.json")}
ALLOWED_ACTIONS = {
    "bedrock:InvokeModel",
    "secretsmanager:GetSecretValue",
    # The function's own log group only (see write-own-logs in the template).
    "logs:CreateLogStream",
    "logs:PutLogEvents",
}
DEFAULT_MODEL_ID = "us.anthropic.claude-sonnet-4-20250514-v1:0"
VPC_ACCESS_POLICY = "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
# What `sam build` writes into the built template for an image function.
BUILT_IMAGE_URI = "diaryfunction:python3.11-v1"
PSEUDO = {
    "AWS::Partition": "aws",
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::StackName": "diary",
    "AWS::URLSuffix": "amazonaws.com",
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


def load_template() -> dict:
    return yaml.load(TEMPLATE.read_text(encoding="utf-8"), Loader=_CfnLoader)


def evaluate(node, env: dict):
    """Resolve the few intrinsics the IAM resources use (Ref, Sub, Select, Split, Join)."""
    if isinstance(node, list):
        return [evaluate(item, env) for item in node]
    if not isinstance(node, dict) or len(node) != 1:
        return node
    (key, arg), = node.items()
    if key == "Ref":
        return env[arg]
    if key == "Fn::Sub":
        if isinstance(arg, str):
            text, local = arg, {}
        else:
            text, local = arg[0], {k: evaluate(v, env) for k, v in arg[1].items()}
        return re.sub(r"\$\{([^}]+)\}", lambda m: str(local.get(m[1], env.get(m[1]))), text)
    if key == "Fn::Split":
        return evaluate(arg[1], env).split(arg[0])
    if key == "Fn::Select":
        return evaluate(arg[1], env)[int(arg[0])]  # IndexError where CloudFormation fails too
    if key == "Fn::Join":
        return arg[0].join(evaluate(arg[1], env))
    return node


@pytest.fixture(scope="module")
def template() -> dict:
    return load_template()


@pytest.fixture(scope="module")
def transformed(template) -> dict:
    pytest.importorskip("samtranslator")
    import boto3
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    sam = copy.deepcopy(template)
    sam["Resources"]["DiaryFunction"]["Properties"]["ImageUri"] = BUILT_IMAGE_URI
    translator = Translator(
        managed_policy_map=None,
        sam_parser=Parser(),
        boto_session=boto3.session.Session(region_name="us-east-1"),
    )
    return translator.translate(sam, parameter_values={}, get_managed_policy_map=lambda: {})


def resources_of_type(cfn: dict, resource_type: str) -> dict:
    return {k: v for k, v in cfn["Resources"].items() if v["Type"] == resource_type}


# --- source template -------------------------------------------------------------------------


def test_parameters(template):
    params = template["Parameters"]
    for name in (
        "Stage", "DatabaseSecretArn", "DatabaseHost", "DatabasePort", "DatabaseName", "ModelProvider",
        "BedrockModelId", "JwtIssuer", "JwtAudience", "VpcSubnetIds", "VpcSecurityGroupIds", "Architecture",
    ):
        assert name in params, name
    assert params["DatabasePort"]["Default"] == 5432
    assert params["ModelProvider"]["AllowedValues"] == ["bedrock", "offline"]
    assert params["ModelProvider"]["Default"] == "bedrock"
    assert params["Architecture"]["Default"] == "x86_64"
    assert set(params["Architecture"]["AllowedValues"]) == {"x86_64", "arm64"}
    assert params["VpcSubnetIds"]["Type"] == params["VpcSecurityGroupIds"]["Type"] == "CommaDelimitedList"
    # Optional VPC: empty by default, switched by a condition.
    assert params["VpcSubnetIds"]["Default"] == ""


def test_bedrock_model_id_default_keeps_its_inference_profile_prefix(template):
    param = template["Parameters"]["BedrockModelId"]
    assert param["Default"] == DEFAULT_MODEL_ID
    assert re.fullmatch(param["AllowedPattern"], DEFAULT_MODEL_ID)
    env = template["Resources"]["DiaryFunction"]["Properties"]["Environment"]["Variables"]
    # Passed through untouched: no Sub/Split that could drop the "us." prefix.
    assert env["BEDROCK_MODEL_ID"] == {"Ref": "BedrockModelId"}


def test_function_is_an_image_built_by_sam(template):
    fn = template["Resources"]["DiaryFunction"]
    props = fn["Properties"]
    assert props["PackageType"] == "Image"
    assert fn["Metadata"] == {"Dockerfile": "Dockerfile", "DockerContext": ".", "DockerTag": "python3.11-v1"}
    # ImageUri is written by `sam build`; ImageConfig would override the Dockerfile's CMD.
    assert "ImageUri" not in props and "ImageConfig" not in props
    assert props["MemorySize"] == 1024
    assert props["Timeout"] == 29  # under API Gateway's 30 s integration limit
    assert props["Architectures"] == [{"Ref": "Architecture"}]


def test_function_environment(template):
    env = template["Resources"]["DiaryFunction"]["Properties"]["Environment"]["Variables"]
    assert env == {
        "DB_SECRET_ARN": {"Ref": "DatabaseSecretArn"},
        "DB_HOST": {"Ref": "DatabaseHost"},
        "DB_PORT": {"Ref": "DatabasePort"},
        "DB_NAME": {"Ref": "DatabaseName"},
        "MODEL_PROVIDER": {"Ref": "ModelProvider"},
        "BEDROCK_MODEL_ID": {"Ref": "BedrockModelId"},
        "POWERTOOLS_SERVICE_NAME": "diary",
        "POWERTOOLS_METRICS_NAMESPACE": "Diary",
        "LOG_LEVEL": "INFO",
        "DEFAULT_TIMEZONE": "Asia/Seoul",
        # Empty in AWS; declared so `sam local invoke --env-vars` may set them.
        "DATABASE_URL": "",
        "ALLOW_USER_ID_HEADER": "false",
    }


def test_log_group_has_retention_and_is_the_functions(template):
    group = template["Resources"]["DiaryFunctionLogGroup"]
    assert group["Type"] == "AWS::Logs::LogGroup"
    assert group["Properties"]["RetentionInDays"]
    props = template["Resources"]["DiaryFunction"]["Properties"]
    assert props["LoggingConfig"]["LogGroup"] == {"Ref": "DiaryFunctionLogGroup"}


def test_vpc_is_optional(template):
    props = template["Resources"]["DiaryFunction"]["Properties"]
    assert props["VpcConfig"]["Fn::If"][0] == "InVpc"
    assert props["VpcConfig"]["Fn::If"][2] == {"Ref": "AWS::NoValue"}
    role = template["Resources"]["DiaryFunctionRole"]["Properties"]
    assert role["ManagedPolicyArns"]["Fn::If"][0] == "InVpc"


def test_outputs(template):
    outputs = template["Outputs"]
    assert "execute-api" in outputs["ApiUrl"]["Value"]["Fn::Sub"]
    assert outputs["FunctionArn"]["Value"] == {"Fn::GetAtt": ["DiaryFunction", "Arn"]}


def test_every_sample_event_has_a_route(template):
    events = template["Resources"]["DiaryFunction"]["Properties"]["Events"]
    declared = {(e["Properties"]["Method"], e["Properties"]["Path"]) for e in events.values()}
    assert declared == ROUTES
    for path in sorted((ROOT / "events" / "http-api").glob("*.json")):
        method, route = json.loads(path.read_text(encoding="utf-8"))["routeKey"].split(" ", 1)
        assert (method, route) in declared, path.name


def test_samconfig():
    config = tomllib.loads(SAMCONFIG.read_text(encoding="utf-8"))
    assert config["version"] == 0.1
    default = config["default"]
    assert "build" in default and "parameters" in default["build"]
    deploy = default["deploy"]["parameters"]
    assert deploy["stack_name"]
    assert deploy["resolve_image_repos"] is True
    assert deploy["capabilities"] == "CAPABILITY_IAM"
    assert deploy["confirm_changeset"] is True
    assert deploy["region"] == "us-east-1"
    assert default["validate"]["parameters"]["lint"] is True


# --- after the SAM transform -----------------------------------------------------------------


def test_transformed_function_is_an_image(transformed):
    (fn,) = resources_of_type(transformed, "AWS::Lambda::Function").values()
    assert fn["Properties"]["PackageType"] == "Image"
    assert fn["Properties"]["Code"] == {"ImageUri": BUILT_IMAGE_URI}


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
        assert integration["payloadFormatVersion"] == "2.0"
        assert "${DiaryFunction.Arn}" in integration["uri"]["Fn::Sub"]
    permissions = resources_of_type(transformed, "AWS::Lambda::Permission")
    assert len(permissions) == len(ROUTES)


def test_jwt_authorizer_on_every_route_but_health_and_openapi(transformed):
    (api,) = resources_of_type(transformed, "AWS::ApiGatewayV2::Api").values()
    schemes = api["Properties"]["Body"]["components"]["securitySchemes"]
    assert list(schemes) == ["JwtAuthorizer"]
    authorizer = schemes["JwtAuthorizer"]["x-amazon-apigateway-authorizer"]
    assert authorizer["type"] == "jwt"
    assert authorizer["identitySource"] == "$request.header.Authorization"
    assert authorizer["jwtConfiguration"] == {
        "issuer": {"Ref": "JwtIssuer"},
        "audience": {"Ref": "JwtAudience"},
    }
    for method, path, operation in _operations(transformed):
        if (method, path) in PUBLIC_ROUTES:
            assert operation["security"] == [{"NONE": []}], (method, path)
        else:
            assert operation["security"] == [{"JwtAuthorizer": []}], (method, path)


def _statements(transformed):
    for name, role in resources_of_type(transformed, "AWS::IAM::Role").items():
        for policy in role["Properties"].get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                yield name, statement
    for policy_type in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        for name, policy in resources_of_type(transformed, policy_type).items():
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                yield name, statement


def _as_list(value):
    return value if isinstance(value, list) else [value]


def test_function_role_is_least_privilege(transformed):
    (fn,) = resources_of_type(transformed, "AWS::Lambda::Function").values()
    assert fn["Properties"]["Role"] == {"Fn::GetAtt": ["DiaryFunctionRole", "Arn"]}
    actions = set()
    for _, statement in _statements(transformed):
        assert statement["Effect"] == "Allow"
        for action in _as_list(statement["Action"]):
            assert "*" not in action, action
            actions.add(action)
        for resource in _as_list(statement["Resource"]):
            assert resource != "*"
    assert actions == ALLOWED_ACTIONS

    role = transformed["Resources"]["DiaryFunctionRole"]["Properties"]
    # The only managed policy is Lambda's VPC access policy, and only when a VPC is given.
    assert role["ManagedPolicyArns"] == {
        "Fn::If": [
            "InVpc",
            [{"Fn::Sub": VPC_ACCESS_POLICY}],
            {"Ref": "AWS::NoValue"},
        ]
    }


def _resources_for(transformed, action, env):
    found = []
    for _, statement in _statements(transformed):
        if action in _as_list(statement["Action"]):
            found += [evaluate(r, env) for r in _as_list(statement["Resource"])]
    return found


def test_secret_access_is_limited_to_the_database_secret(transformed):
    secret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:diary-db-AbCdEf"
    env = {**PSEUDO, "DatabaseSecretArn": secret}
    assert _resources_for(transformed, "secretsmanager:GetSecretValue", env) == [secret]


@pytest.mark.parametrize(
    ("model_id", "foundation_model", "profile"),
    [
        (DEFAULT_MODEL_ID, "anthropic.claude-sonnet-4-20250514-v1:0", DEFAULT_MODEL_ID),
        (
            "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "anthropic.claude-sonnet-4-5-20250929-v1:0",
            "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
        ),
        ("eu.amazon.nova-pro-v1:0", "amazon.nova-pro-v1:0", "eu.amazon.nova-pro-v1:0"),
        ("anthropic.claude-3-haiku-20240307-v1:0", "anthropic.claude-3-haiku-20240307-v1:0", None),
    ],
)
def test_bedrock_access_is_limited_to_the_configured_model(transformed, model_id, foundation_model, profile):
    env = {**PSEUDO, "BedrockModelId": model_id}
    resources = _resources_for(transformed, "bedrock:InvokeModel", env)
    assert f"arn:aws:bedrock:*::foundation-model/{foundation_model}" in resources
    if profile:
        assert f"arn:aws:bedrock:us-east-1:123456789012:inference-profile/{profile}" in resources
    for arn in resources:
        # Nothing wider than the model: the only wildcard is the serving region.
        assert arn.count("*") <= 1 and not arn.endswith("*"), arn
        assert model_id.split(".")[-1] in arn, arn


def test_log_permissions_are_limited_to_the_functions_log_group(transformed):
    for _, statement in _statements(transformed):
        if any(a.startswith("logs:") for a in _as_list(statement["Action"])):
            assert statement["Resource"] == {"Fn::GetAtt": ["DiaryFunctionLogGroup", "Arn"]}


# --- cfn-lint ---------------------------------------------------------------------------------


def test_cfn_lint_reports_no_error_or_warning():
    pytest.importorskip("cfnlint")
    from cfnlint.api import ManualArgs, lint_file

    matches = lint_file(TEMPLATE, config=ManualArgs(regions=["us-east-1"]))
    problems = [m for m in matches if m.rule.id[0] in "EW"]
    assert not problems, "\n".join(str(m) for m in problems)
