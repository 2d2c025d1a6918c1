/**
 * Names of the 64 SAS emoji (Matrix specification), so the comparison reads in
 * Dutch. The SDK gives the English name; unknown names are shown as they are.
 */
const NL: Record<string, string> = {
	Dog: 'Hond', Cat: 'Kat', Lion: 'Leeuw', Horse: 'Paard', Unicorn: 'Eenhoorn', Pig: 'Varken', Elephant: 'Olifant', Rabbit: 'Konijn',
	Panda: 'Panda', Rooster: 'Haan', Penguin: 'Pinguïn', Turtle: 'Schildpad', Fish: 'Vis', Octopus: 'Octopus', Butterfly: 'Vlinder', Flower: 'Bloem',
	Tree: 'Boom', Cactus: 'Cactus', Mushroom: 'Paddenstoel', Globe: 'Wereldbol', Moon: 'Maan', Cloud: 'Wolk', Fire: 'Vuur', Banana: 'Banaan',
	Apple: 'Appel', Strawberry: 'Aardbei', Corn: 'Maïs', Pizza: 'Pizza', Cake: 'Taart', Heart: 'Hart', Smiley: 'Smiley', Robot: 'Robot',
	Hat: 'Hoed', Glasses: 'Bril', Spanner: 'Moersleutel', Santa: 'Kerstman', 'Thumbs Up': 'Duim omhoog', 'Thumbs up': 'Duim omhoog', Umbrella: 'Paraplu', Hourglass: 'Zandloper',
	Clock: 'Klok', Gift: 'Cadeau', 'Light Bulb': 'Gloeilamp', Book: 'Boek', Pencil: 'Potlood', Paperclip: 'Paperclip', Scissors: 'Schaar', Lock: 'Slot',
	Key: 'Sleutel', Hammer: 'Hamer', Telephone: 'Telefoon', Flag: 'Vlag', Train: 'Trein', Bicycle: 'Fiets', Aeroplane: 'Vliegtuig', Rocket: 'Raket',
	Trophy: 'Trofee', Ball: 'Bal', Guitar: 'Gitaar', Trumpet: 'Trompet', Bell: 'Bel', Anchor: 'Anker', Headphones: 'Koptelefoon', Folder: 'Map', Pin: 'Punaise'
};

export function emojiName(name: string, locale: 'nl' | 'en'): string {
	return locale === 'nl' ? (NL[name] ?? name) : name;
}
