# Zeroserve node image.
#   docker build -t zeroserve .                      # CPU (ONNX Runtime CPU)
#   docker build -t zeroserve:cuda --build-arg CUDA=true .   # GPU: onnxruntime_gpu on a CUDA 12 + cuDNN 9 base
#   docker run -p 8080:8080 -v zs-data:/data -e ZS_TOKENS='<token>=admin' zeroserve
# The node listens on 0.0.0.0 in the container, so it refuses to start without API tokens
# (ZS_TOKENS or ZS_TOKENS_FILE) unless ZS_INSECURE=true. Every option is a ZS_* variable.
ARG CUDA=false

FROM eclipse-temurin:17-jdk AS build
ARG CUDA
WORKDIR /src
COPY . .
RUN if [ "$CUDA" = "true" ]; then profile="-Pcuda"; else profile=""; fi \
 && ./mvnw -B -q -DskipTests $profile package \
 && cp host/target/zeroserve.jar /zeroserve.jar

FROM eclipse-temurin:17-jre AS runtime-false

FROM nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04 AS runtime-true
RUN apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jre-headless \
 && rm -rf /var/lib/apt/lists/*

FROM runtime-${CUDA}
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin zeroserve \
 && mkdir -p /data /opt/zeroserve/native \
 && chown zeroserve /data /opt/zeroserve/native
COPY --from=build /zeroserve.jar /opt/zeroserve/zeroserve.jar
USER zeroserve
ENV ZS_HTTP_HOST=0.0.0.0 \
    ZS_HTTP_PORT=8080 \
    ZS_DATA_DIR=/data \
    ZS_CLUSTER_PORT=5701 \
    ORT_DISABLE_TELEMETRY=1 \
    MALLOC_MMAP_THRESHOLD_=131072 \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -Dzeroserve.native.cache=/opt/zeroserve/native"
VOLUME /data
EXPOSE 8080 5701
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD curl -fsS "http://127.0.0.1:${ZS_HTTP_PORT}/v2/health/ready" > /dev/null || exit 1
ENTRYPOINT ["java", "-jar", "/opt/zeroserve/zeroserve.jar"]
