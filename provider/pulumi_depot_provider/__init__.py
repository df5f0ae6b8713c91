"""Engine side of pulumi-depot: the Connect client, resource logic and dynamic providers."""
