/**
 * The live list of my case rooms, derived from the Matrix client's rooms.
 */
import { ClientEvent, RoomEvent, RoomStateEvent, type MatrixClient, type Room } from 'matrix-js-sdk';
import { STATE } from '../case/event-types.ts';

export interface CaseListItem {
	roomId: string;
	reference: string;
}

export function isCaseRoom(room: Room): boolean {
	return room.currentState.getStateEvents(STATE.case, '') !== null;
}

export class CaseList {
	items = $state<CaseListItem[]>([]);
	private readonly refresh = () => {
		this.items = this.client
			.getRooms()
			.filter((room) => room.getMyMembership() === 'join' && isCaseRoom(room))
			.map((room) => ({
				roomId: room.roomId,
				reference: String(room.currentState.getStateEvents(STATE.case, '')?.getContent().reference ?? room.name)
			}))
			.sort((a, b) => a.reference.localeCompare(b.reference));
	};

	constructor(private readonly client: MatrixClient) {
		this.refresh();
		client.on(ClientEvent.Room, this.refresh);
		client.on(RoomStateEvent.Events, this.refresh);
		client.on(RoomEvent.MyMembership, this.refresh);
	}

	destroy(): void {
		this.client.off(ClientEvent.Room, this.refresh);
		this.client.off(RoomStateEvent.Events, this.refresh);
		this.client.off(RoomEvent.MyMembership, this.refresh);
	}
}
