#!/bin/sh
# Starts the sidecar against real AWS when credentials are given, else in demo mode (the embedded emulator).
#   DEMO=true|false forces the choice; otherwise any of the AWS SDK's credential sources switches demo off:
#   AWS_ACCESS_KEY_ID, AWS_PROFILE, web identity, ECS/EKS container credentials, or a mounted ~/.aws.
set -eu

aws_credentials_given() {
  [ -n "${AWS_ACCESS_KEY_ID:-}${AWS_PROFILE:-}${AWS_WEB_IDENTITY_TOKEN_FILE:-}" ] && return 0
  [ -n "${AWS_CONTAINER_CREDENTIALS_FULL_URI:-}${AWS_CONTAINER_CREDENTIALS_RELATIVE_URI:-}" ] && return 0
  [ -f "${AWS_SHARED_CREDENTIALS_FILE:-$HOME/.aws/credentials}" ] && return 0
  [ -f "${AWS_CONFIG_FILE:-$HOME/.aws/config}" ] && return 0
  return 1
}

case "${DEMO:-auto}" in
  true | 1 | yes) demo=true ;;
  false | 0 | no) demo=false ;;
  auto | '') if aws_credentials_given; then demo=false; else demo=true; fi ;;
  *)
    echo "DEMO must be true, false or auto, got: ${DEMO}" >&2
    exit 64
    ;;
esac

if [ "$demo" = true ]; then
  echo "ecr-lens sidecar: demo mode (embedded AWS emulator); give AWS credentials or DEMO=false for real AWS" >&2
  exec "$@" --demo
fi
echo "ecr-lens sidecar: real AWS mode" >&2
exec "$@"
