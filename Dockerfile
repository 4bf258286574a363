# syntax=docker/dockerfile:1
# swift-pdp: the PDP (`pdp`, default target) and the bundled task app (`--target task-manager`).
#
#   docker build -t swift-pdp .                                  # the PDP
#   docker build -t swift-pdp-task-manager --target task-manager .
#   docker run -p 7766:7766 -e PDP_API_KEY=change-me -v pdp-data:/var/lib/pdp swift-pdp
#
# The build stage runs scripts/install.sh, the same script CI runs and tests
# (Tests/compat/test_install.py checks that this file and the script agree), so the steps
# that make the image are proven on every CI run even where no container engine exists.

ARG SWIFT_IMAGE=swift:6.3-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${SWIFT_IMAGE} AS build
WORKDIR /src
# Dependencies first, so a source change does not re-resolve them.
COPY Package.swift ./
RUN swift package resolve || true
COPY . .
RUN scripts/install.sh --prefix /opt/swift-pdp

# ---- the PDP -------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE} AS pdp
# The release binaries link the Swift runtime statically: glibc, libstdc++ (already in the
# image) and libyaml are all they load.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libyaml-0-2 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /var/lib/pdp --shell /usr/sbin/nologin pdp \
    && install -d -o pdp -g pdp -m 0700 /var/lib/pdp
COPY --from=build /opt/swift-pdp/bin/pdp /usr/local/bin/pdp
COPY --from=build /opt/swift-pdp/share/swift-pdp/policies /etc/pdp/policies
USER pdp
VOLUME ["/var/lib/pdp"]
EXPOSE 7766
# A container is reached from outside its network namespace, so it binds 0.0.0.0, which pdp
# refuses without an API key: set PDP_API_KEY (or PERMIT_API_KEY) when running it.
HEALTHCHECK --interval=10s --timeout=2s --start-period=5s --retries=3 \
    CMD ["pdp", "probe", "http://127.0.0.1:7766/healthy"]
ENTRYPOINT ["pdp"]
CMD ["serve", "--host", "0.0.0.0", "--port", "7766", "--policy", "/etc/pdp/policies/tasks.yaml", "--data-dir", "/var/lib/pdp"]

# ---- the bundled task app ------------------------------------------------------------------
FROM ${RUNTIME_IMAGE} AS task-manager
RUN apt-get update \
    && apt-get install -y --no-install-recommends libyaml-0-2 ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10002 --user-group --home-dir /var/lib/task-manager --shell /usr/sbin/nologin task-manager \
    && install -d -o task-manager -g task-manager -m 0700 /var/lib/task-manager
COPY --from=build /opt/swift-pdp/bin/task-manager /usr/local/bin/task-manager
COPY --from=build /opt/swift-pdp/share/swift-pdp/task-manager /opt/task-manager
WORKDIR /opt/task-manager
USER task-manager
ENV TASK_MANAGER_RESOURCES=/opt/task-manager \
    DATABASE_URL=sqlite:///var/lib/task-manager/tasks.sqlite
VOLUME ["/var/lib/task-manager"]
EXPOSE 8080
ENTRYPOINT ["task-manager"]
CMD ["serve", "--hostname", "0.0.0.0", "--port", "8080"]

# The default target is the PDP.
FROM pdp
