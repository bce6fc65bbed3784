"""Regions across clouds: each provider's default, and the nearest region of another
cloud for a cross-cloud comparison (the same metro or country where both have one).

Sources for where each region is: https://aws.amazon.com/about-aws/global-infrastructure/
regions_az/, https://cloud.google.com/about/locations and
https://learn.microsoft.com/azure/reliability/regions-list.
"""

from __future__ import annotations

DEFAULT_REGION = {"aws": "us-east-1", "gcp": "us-central1", "azure": "eastus"}

# One row per place: AWS, Google Cloud and Azure's region there ("" where the cloud has
# none), and the names people give it (cities, countries, the providers' display names;
# lower case, matched as whole words). The planner reads a place by these names.
PLACES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("us-east-1", "us-east4", "eastus", ("virginia", "northern virginia", "n. virginia",
                                         "ashburn", "east us", "us east")),
    ("us-east-2", "us-east5", "eastus2", ("ohio", "columbus", "east us 2")),
    ("", "us-central1", "centralus", ("iowa", "council bluffs", "central us")),
    ("us-west-1", "us-west2", "westus", ("california", "n. california", "los angeles",
                                         "san francisco", "west us")),
    ("us-west-2", "us-west1", "westus2", ("oregon", "washington state", "west us 2")),
    ("", "us-west4", "westus3", ("nevada", "las vegas", "arizona", "phoenix", "west us 3")),
    ("", "us-south1", "southcentralus", ("texas", "dallas", "south central us")),
    ("ca-central-1", "northamerica-northeast1", "canadacentral", ("canada", "montreal",
                                                                  "toronto", "canada central")),
    ("sa-east-1", "southamerica-east1", "brazilsouth", ("brazil", "sao paulo", "são paulo",
                                                        "brazil south")),
    ("eu-west-1", "europe-west1", "northeurope", ("ireland", "dublin", "north europe")),
    ("", "", "", ("belgium", "brussels", "st. ghislain")),  # Google's europe-west1, below
    ("", "europe-west4", "westeurope", ("netherlands", "the netherlands", "amsterdam",
                                        "holland", "eemshaven", "west europe")),
    ("eu-west-2", "europe-west2", "uksouth", ("london", "uk", "united kingdom", "britain",
                                              "england", "uk south")),
    ("eu-west-3", "europe-west9", "francecentral", ("paris", "france", "france central")),
    ("eu-central-1", "europe-west3", "germanywestcentral", ("frankfurt", "germany",
                                                           "germany west central")),
    ("eu-central-2", "europe-west6", "switzerlandnorth", ("zurich", "zürich", "switzerland",
                                                          "switzerland north")),
    ("eu-north-1", "europe-north1", "swedencentral", ("stockholm", "sweden", "sweden central",
                                                      "nordics")),
    ("", "", "", ("finland", "hamina")),  # Google's europe-north1, below
    ("eu-south-1", "europe-west8", "italynorth", ("milan", "italy", "italy north")),
    ("eu-south-2", "europe-southwest1", "spaincentral", ("madrid", "spain", "spain central")),
    ("", "europe-central2", "polandcentral", ("warsaw", "poland", "poland central")),
    ("ap-northeast-1", "asia-northeast1", "japaneast", ("tokyo", "japan", "japan east")),
    ("ap-northeast-2", "asia-northeast3", "koreacentral", ("seoul", "korea", "south korea",
                                                           "korea central")),
    ("ap-northeast-3", "asia-northeast2", "japanwest", ("osaka", "japan west")),
    ("ap-southeast-1", "asia-southeast1", "southeastasia", ("singapore", "southeast asia")),
    ("ap-southeast-2", "australia-southeast1", "australiaeast", ("sydney", "australia",
                                                                 "australia east")),
    ("ap-southeast-4", "australia-southeast2", "australiasoutheast", ("melbourne",)),
    ("ap-southeast-3", "asia-southeast2", "indonesiacentral", ("jakarta", "indonesia")),
    ("ap-south-1", "asia-south1", "centralindia", ("mumbai", "india", "pune",
                                                   "central india")),
    ("ap-south-2", "asia-south2", "southindia", ("hyderabad", "delhi", "chennai",
                                                 "south india")),
    ("ap-east-1", "asia-east2", "eastasia", ("hong kong", "east asia")),
    ("", "asia-east1", "", ("taiwan", "taipei")),
    ("me-central-1", "me-central1", "uaenorth", ("uae", "dubai", "abu dhabi",
                                                 "united arab emirates", "uae north")),
    ("il-central-1", "me-west1", "israelcentral", ("israel", "tel aviv", "israel central")),
    ("af-south-1", "africa-south1", "southafricanorth", ("south africa", "cape town",
                                                         "johannesburg", "south africa north")),
)  # fmt: skip
# Places one or two clouds lack: the region of that cloud nearest them.
_GAPS = {
    ("belgium", "aws"): "eu-west-1", ("belgium", "gcp"): "europe-west1",
    ("belgium", "azure"): "westeurope", ("finland", "aws"): "eu-north-1",
    ("finland", "gcp"): "europe-north1", ("finland", "azure"): "swedencentral",
    ("taiwan", "aws"): "ap-east-1", ("taiwan", "azure"): "eastasia",
}  # fmt: skip
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
for *_codes, _names in PLACES:
    for _i, _from in enumerate(_codes):
        for _j, _to in enumerate(_codes):
            if _from and _to and _i != _j:
                _NEAREST.setdefault((_from, CLOUDS[_j]), _to)
# A place one cloud lacks: the nearest region another cloud has there.
_NEAREST |= {("us-central1", "aws"): "us-east-2", ("centralus", "aws"): "us-east-2",
             ("europe-west4", "aws"): "eu-central-1", ("westeurope", "aws"): "eu-central-1",
             ("europe-central2", "aws"): "eu-central-1", ("polandcentral", "aws"): "eu-central-1",
             ("us-west4", "aws"): "us-west-2", ("westus3", "aws"): "us-west-2",
             ("us-south1", "aws"): "us-east-2", ("southcentralus", "aws"): "us-east-2",
             ("asia-east1", "aws"): "ap-east-1", ("asia-east1", "azure"): "eastasia"}  # fmt: skip
# Each place name -> its region per cloud
PLACE_REGIONS: dict[str, dict[str, str]] = {}
for *_codes, _names in PLACES:
    _any = next((c for c in _codes if c), "")
    for _name in _names:
        PLACE_REGIONS[_name] = {
            cloud: code or _GAPS.get((_names[0], cloud)) or _NEAREST.get((_any, cloud), "")
            for cloud, code in zip(CLOUDS, _codes, strict=True)
        }


# Every region code each cloud has at one of the places above
REGION_CODES = {cloud: {row[i] for row in PLACES if row[i]} for i, cloud in enumerate(CLOUDS)}
REGION_CODES["azure"] |= set(AZURE_REGIONS)


def place_region(name: str, cloud: str) -> str | None:
    """The region of `cloud` for a place people name ("Frankfurt", "Ireland", "West
    Europe"), or None if the name is not a known place."""
    return PLACE_REGIONS.get(name.lower(), {}).get(cloud) or None


def nearest(region: str, cloud: str) -> str | None:
    """The region of `cloud` nearest `region` (any cloud's code), or None if unknown."""
    return region if cloud_of(region) == cloud else _NEAREST.get((region, cloud))


def cloud_of(region: str) -> str | None:
    """Which cloud a region code belongs to, by its shape (us-east-1, us-east4, eastus)."""
    if "-" not in region:
        return "azure" if region.isalnum() else None
    return "aws" if region.rsplit("-", 1)[-1].isdigit() else "gcp"
