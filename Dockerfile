# The MarketSim image: the `marketsim` command line with hocon/ and scenarios/; the default command
# prints the help. An embedded run:
#   docker run -v "$PWD/runs:/app/runs" marketsim:latest run scenarios/parity-cliff-fog.conf --out /app/runs

# -- build: restore and publish the CLI (framework-dependent, Release)
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore first, from the project files only, so that a source edit keeps the restored layer.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/ src/
RUN dotnet restore src/MarketSim.Cli/MarketSim.Cli.csproj
RUN dotnet publish src/MarketSim.Cli/MarketSim.Cli.csproj -c Release -o /out --no-restore -nologo

# -- runtime
FROM mcr.microsoft.com/dotnet/runtime:10.0 AS runtime
WORKDIR /app
COPY --from=build /out/ /app/
COPY hocon/ /app/hocon/
COPY scenarios/ /app/scenarios/
# Run folders (mount a volume on /app/runs) belong to the non-root user
# the .NET images ship (app, uid $APP_UID = 1654).
RUN mkdir -p /app/runs && chown "$APP_UID" /app/runs
USER $APP_UID
# pbm host (petabridge.cmd.port); set petabridge.cmd.host=0.0.0.0 to reach it from outside the container.
EXPOSE 9110
ENTRYPOINT ["dotnet", "/app/marketsim.dll"]
CMD ["--help"]
