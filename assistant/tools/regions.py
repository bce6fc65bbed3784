"""Regions across clouds: each provider's default, and the nearest region of another
cloud for a cross-cloud comparison (the same metro or country where both have one).

Sources for where each region is: https://aws.amazon.com/about-aws/global-infrastructure/
regions_az/, https://cloud.google.com/about/locations and
https://learn.microsoft.com/azure/reliability/regions-list.
"""

from __future__ import annotations

DEFAULT_REGION = {"aws": "us-east-1", "gcp": "us-central1", "azure": "eastus"}

# One row per place: AWS, Google Cloud, Azure ("" where the cloud has no region there).
PLACES = (
    ("us-east-1", "us-east4", "eastus"),  # Northern Virginia
    ("us-east-2", "us-east5", "eastus2"),  # Ohio; Azure's East US 2 is in Virginia
    ("", "us-central1", "centralus"),  # Iowa
    ("us-west-1", "us-west2", "westus"),  # California
    ("us-west-2", "us-west1", "westus2"),  # Oregon; Azure's West US 2 is in Washington
    ("", "us-west4", "westus3"),  # Nevada / Arizona
    ("", "us-south1", "southcentralus"),  # Texas
    ("ca-central-1", "northamerica-northeast1", "canadacentral"),  # Montreal / Toronto
    ("sa-east-1", "southamerica-east1", "brazilsouth"),  # São Paulo
    ("eu-west-1", "europe-west1", "northeurope"),  # Ireland (Google: Belgium)
    ("", "europe-west4", "westeurope"),  # the Netherlands
    ("eu-west-2", "europe-west2", "uksouth"),  # London
    ("eu-west-3", "europe-west9", "francecentral"),  # Paris
    ("eu-central-1", "europe-west3", "germanywestcentral"),  # Frankfurt
    ("eu-central-2", "europe-west6", "switzerlandnorth"),  # Zurich
    ("eu-north-1", "europe-north1", "swedencentral"),  # Stockholm (Google: Finland)
    ("eu-south-1", "europe-west8", "italynorth"),  # Milan
    ("eu-south-2", "europe-southwest1", "spaincentral"),  # Spain
    ("", "europe-central2", "polandcentral"),  # Warsaw
    ("ap-northeast-1", "asia-northeast1", "japaneast"),  # Tokyo
    ("ap-northeast-2", "asia-northeast3", "koreacentral"),  # Seoul
    ("ap-northeast-3", "asia-northeast2", "japanwest"),  # Osaka
    ("ap-southeast-1", "asia-southeast1", "southeastasia"),  # Singapore
    ("ap-southeast-2", "australia-southeast1", "australiaeast"),  # Sydney
    ("ap-southeast-3", "asia-southeast2", "indonesiacentral"),  # Jakarta
    ("ap-south-1", "asia-south1", "centralindia"),  # Mumbai / Pune
    ("ap-south-2", "asia-south2", "southindia"),  # Hyderabad / Delhi / Chennai
    ("ap-east-1", "asia-east2", "eastasia"),  # Hong Kong
    ("me-central-1", "me-central1", "uaenorth"),  # the UAE (Google: Doha)
    ("il-central-1", "me-west1", "israelcentral"),  # Tel Aviv
    ("af-south-1", "africa-south1", "southafricanorth"),  # Cape Town / Johannesburg
)
# Azure's region codes as its price list writes them (the snapshot's 58)
AZURE_REGIONS = (
    "australiacentral", "australiacentral2", "australiaeast", "australiasoutheast",
    "austriaeast", "belgiumcentral", "brazilsouth", "brazilsoutheast", "canadacentral",
    "canadaeast", "centralindia", "centralus", "chilecentral", "denmarkeast", "eastasia",
    "eastus", "eastus2", "francecentral", "francesouth", "germanynorth", "germanywestcentral",
    "indonesiacentral", "israelcentral", "italynorth", "japaneast", "japanwest",
    "jioindiacentral", "jioindiawest", "koreacentral", "koreasouth", "malaysiawest",
    "mexicocentral", "newzealandnorth", "northcentralus", "northeurope", "norwayeast",
    "norwaywest", "polandcentral", "qatarcentral", "southafricanorth", "southafricawest",
    "southcentralus", "southeastasia", "southindia", "spaincentral", "swedencentral",
    "switzerlandnorth", "switzerlandwest", "uaecentral", "uaenorth", "uksouth", "ukwest",
    "westcentralus", "westeurope", "westindia", "westus", "westus2", "westus3",
)  # fmt: skip
CLOUDS = ("aws", "gcp", "azure")
_NEAREST: dict[tuple[str, str], str] = {}
for _place in PLACES:
    for _i, _from in enumerate(_place):
        for _j, _to in enumerate(_place):
            if _from and _to and _i != _j:
                _NEAREST.setdefault((_from, CLOUDS[_j]), _to)
# A place one cloud lacks: the nearest region another cloud has there.
_NEAREST |= {("us-central1", "aws"): "us-east-2", ("centralus", "aws"): "us-east-2",
             ("europe-west4", "aws"): "eu-west-1", ("westeurope", "aws"): "eu-west-1",
             ("europe-central2", "aws"): "eu-central-1", ("polandcentral", "aws"): "eu-central-1",
             ("us-west4", "aws"): "us-west-2", ("westus3", "aws"): "us-west-2",
             ("us-south1", "aws"): "us-east-2", ("southcentralus", "aws"): "us-east-2"}  # fmt: skip


def nearest(region: str, cloud: str) -> str | None:
    """The region of `cloud` nearest `region` (any cloud's code), or None if unknown."""
    return region if cloud_of(region) == cloud else _NEAREST.get((region, cloud))


def cloud_of(region: str) -> str | None:
    """Which cloud a region code belongs to, by its shape (us-east-1, us-east4, eastus)."""
    if "-" not in region:
        return "azure" if region.isalnum() else None
    return "aws" if region.rsplit("-", 1)[-1].isdigit() else "gcp"
