"""Records named by the ``records:names`` config (comma-separated), each of ``records:size``."""

import pulumi
from sample_provider import Record

config = pulumi.Config()
names = [name for name in config.require("names").split(",") if name]
size = config.get_int("size")
size = 1 if size is None else size
records = {name: Record(name, {"name": name, "size": size}) for name in names}

pulumi.export("names", names)
pulumi.export("recordIds", {name: record.recordId for name, record in records.items()})
pulumi.export("token", pulumi.Config("sample").require_secret("token"))
