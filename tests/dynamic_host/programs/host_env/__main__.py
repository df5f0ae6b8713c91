import pulumi
from env_provider import EnvEcho

echo = EnvEcho("env")
for key in ("pulumiConfig", "toolchain", "project", "cwd"):
    pulumi.export(key, getattr(echo, key))
