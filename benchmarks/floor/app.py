"""The floor: a Lambda handler that imports nothing. Cold start of this image is what the base
and awslambdaric cost before any of the function's own code runs."""


def lambda_handler(event, context):
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": '{"status": "ok"}'}
