#!/bin/sh
# How Aula's image starts (the Dockerfile's ENTRYPOINT); runs the same without a container.
#   start.sh web      migrations to the newest schema (unless AULA_MIGRATE=false), then
#                     gunicorn with AULA_WEB_WORKERS workers on AULA_BIND
#   start.sh worker   the delivery worker (mail, reminders, the daily prune); options pass on
#   start.sh migrate  migrations only, then exit (once per deploy, when several hosts serve)
#   anything else     run as a command (flask --app lms users create ..., sh)
# Never loads the demo: LMS_LOAD_DEMO_WHEN_EMPTY and LMS_AUTO_SETUP are forced off.
set -eu
export LMS_AUTO_SETUP=false LMS_LOAD_DEMO_WHEN_EMPTY=false
: "${LMS_DELIVER_IN_PROCESS:=false}"
export LMS_DELIVER_IN_PROCESS
PYTHON="${PYTHON:-python}"
APP="${AULA_APP:-lms:create_app()}"

migrate() {
    "$PYTHON" -m flask --app "$APP" db upgrade
}

case "${1:-web}" in
web)
    [ "${AULA_MIGRATE:-true}" = false ] || migrate
    exec "$PYTHON" -m gunicorn \
        --workers "${AULA_WEB_WORKERS:-4}" \
        --bind "${AULA_BIND:-0.0.0.0:8000}" \
        --timeout "${AULA_TIMEOUT:-60}" \
        --access-logfile - \
        "$APP"
    ;;
worker)
    shift
    exec "$PYTHON" -m flask --app "$APP" worker "$@"
    ;;
migrate)
    migrate
    ;;
*)
    exec "$@"
    ;;
esac
